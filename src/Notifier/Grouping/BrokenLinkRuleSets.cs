using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// The broken-link rules in force: the configured patterns, compiled once per configuration, and the ignore rules
/// managers stored in the Dashboard.
/// </summary>
public sealed class BrokenLinkRuleSets(IOptionsMonitor<AlertsOptions> settings, IgnoreRuleStore stored)
{
    private volatile ConfiguredRules? _compiled;

    /// <summary>The rule set of each project, as of now; read once per grouping batch, by one thread.</summary>
    public async Task<Func<long, BrokenLinkRuleSet>> CurrentAsync(CancellationToken ct)
    {
        var options = settings.CurrentValue;
        var compiled = _compiled is { } cached && ReferenceEquals(cached.Source, options) ? cached : _compiled = ConfiguredRules.Compile(options);
        var rules = await stored.PatternsByProjectAsync(ct);
        var sets = new Dictionary<long, BrokenLinkRuleSet>(); // one per project for the batch, not one per event
        return projectId => sets.TryGetValue(projectId, out var set)
            ? set
            : sets[projectId] = compiled.For(projectId, rules.GetValueOrDefault(projectId, []));
    }
}

/// <summary>The configured rules, compiled: global and per-project IGNORABLE_404_URLS, scanner user agents and probe paths.</summary>
internal sealed record ConfiguredRules(
    AlertsOptions Source,
    IReadOnlyList<NamedPattern> Global,
    IReadOnlyDictionary<long, IReadOnlyList<NamedPattern>> ByProject,
    IReadOnlyList<NamedPattern> UserAgents,
    IReadOnlyList<NamedPattern> ProbeUrls)
{
    public static ConfiguredRules Compile(AlertsOptions options) => new(
        options,
        [.. options.Ignorable404Urls.Select(p => BrokenLinkRules.Pattern($"IGNORABLE_404_URLS {p}", p))],
        options.Projects.ToDictionary(
            p => p.Id,
            p => (IReadOnlyList<NamedPattern>)[.. p.Ignorable404Urls.Select(x => BrokenLinkRules.Pattern(
                string.Create(CultureInfo.InvariantCulture, $"project {p.Id} IGNORABLE_404_URLS {x}"), x))]),
        [.. options.ScannerNoise.EffectiveUserAgents.Select(p => BrokenLinkRules.Pattern($"user agent {BrokenLinkRules.Readable(p)}", p))],
        [.. options.ScannerNoise.EffectiveProbeUrls.Select(p => BrokenLinkRules.Pattern($"probe path {BrokenLinkRules.Readable(p)}", p))]);

    /// <summary>A project's set: the global patterns, then the project's, then the ignore rules stored for it.</summary>
    public BrokenLinkRuleSet For(long projectId, IReadOnlyList<NamedPattern> stored) => new(
        [.. Global, .. ByProject.GetValueOrDefault(projectId, []), .. stored],
        UserAgents,
        ProbeUrls,
        Source.AppendSlash);
}
