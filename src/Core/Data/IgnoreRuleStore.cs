using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Core.Data;

/// <summary>The ignore rules managers made in the Dashboard; grouping reads them through a short-lived cache.</summary>
public sealed class IgnoreRuleStore(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    public const int MaxPatternLength = 1000;

    private readonly SnapshotCache<IReadOnlyDictionary<long, IReadOnlyList<NamedPattern>>> _cache = new(clock);

    /// <summary>"ignore rule #3 ^/old-page(\?|$)": how the Dashboard and the notification log name a stored rule.</summary>
    public static string NameOf(IgnoreRule rule) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ignore rule #{rule.Id} {rule.Pattern}");

    /// <summary>Each project's stored rules, compiled.</summary>
    public ValueTask<IReadOnlyDictionary<long, IReadOnlyList<NamedPattern>>> PatternsByProjectAsync(CancellationToken ct) =>
        _cache.GetAsync(LoadPatternsAsync, ct);

    private async Task<IReadOnlyDictionary<long, IReadOnlyList<NamedPattern>>> LoadPatternsAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rules = await db.IgnoreRules.AsNoTracking().OrderBy(r => r.Id).ToListAsync(ct);
        var byProject = new Dictionary<long, IReadOnlyList<NamedPattern>>();
        foreach (var group in rules.GroupBy(r => r.ProjectId))
        {
            var patterns = new List<NamedPattern>();
            foreach (var rule in group)
            {
                // Stored rules are checked when added; one edited by hand into something invalid is skipped, not fatal.
                try { patterns.Add(BrokenLinkRules.Pattern(NameOf(rule), rule.Pattern)); }
                catch (ArgumentException) { }
            }
            byProject[group.Key] = patterns;
        }
        return byProject;
    }

    public async Task<List<IgnoreRule>> ListAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.IgnoreRules.AsNoTracking().OrderBy(r => r.ProjectId).ThenBy(r => r.Id).ToListAsync(ct);
    }

    /// <summary>Adds a rule, or returns the project's existing rule with the same pattern (a second click adds nothing).</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid regular expression or is too long.</exception>
    public async Task<IgnoreRule> AddAsync(long projectId, string pattern, string createdBy, CancellationToken ct)
    {
        if (pattern.Length > MaxPatternLength) throw new ArgumentException($"An ignore rule has at most {MaxPatternLength} characters.", nameof(pattern));
        _ = new Regex(pattern); // throws ArgumentException for an invalid one
        await using var db = await factory.CreateDbContextAsync(ct);
        if (await db.IgnoreRules.FirstOrDefaultAsync(r => r.ProjectId == projectId && r.Pattern == pattern, ct) is { } existing)
            return existing;
        var rule = new IgnoreRule
        {
            ProjectId = projectId,
            Pattern = pattern,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedBy = createdBy.Length > 254 ? createdBy[..254] : createdBy,
        };
        db.IgnoreRules.Add(rule);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two managers clicked at once: the unique index kept one rule, which is the answer for both.
            db.ChangeTracker.Clear();
            rule = await db.IgnoreRules.FirstAsync(r => r.ProjectId == projectId && r.Pattern == pattern, ct);
        }
        _cache.Invalidate();
        return rule;
    }

    public async Task<bool> RemoveAsync(long id, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var removed = await db.IgnoreRules.Where(r => r.Id == id).ExecuteDeleteAsync(ct) > 0;
        _cache.Invalidate();
        return removed;
    }
}
