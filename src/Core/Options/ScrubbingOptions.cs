using System.Text.RegularExpressions;
using Alerts.Core.Domain;

namespace Alerts.Core.Options;

/// <summary>The <c>Alerts:Scrubbing</c> section: which field names, besides Django's, hold secrets.</summary>
public sealed class ScrubbingOptions
{
    public const string SectionName = "Alerts:Scrubbing";

    /// <summary>Regexes matched case-insensitively against field names, in addition to <see cref="EventScrubber.DefaultPattern"/>.</summary>
    public List<string> ExtraFieldPatterns { get; set; } = [];

    private Regex? _sensitiveNames;

    /// <summary>
    /// The default and extra patterns as one compiled regex. Built on first use, after start-up validation, and kept:
    /// IOptions gives one instance per process, so ingestion compiles it once. A method, not a property, so the
    /// configuration binder never reads it before the patterns are bound.
    /// </summary>
    public Regex SensitiveNames() => _sensitiveNames ??= EventScrubber.SensitiveNames(ExtraFieldPatterns);

    internal static IEnumerable<string> Validate(ScrubbingOptions o)
    {
        for (var i = 0; i < o.ExtraFieldPatterns.Count; i++)
        {
            var pattern = o.ExtraFieldPatterns[i];
            if (string.IsNullOrEmpty(pattern))
            {
                // An empty regex matches every name and would blank the whole event.
                yield return $"Alerts:Scrubbing:ExtraFieldPatterns:{i} must not be empty.";
                continue;
            }
            string? error = null;
            try { _ = new Regex(pattern); }
            catch (ArgumentException ex) { error = ex.Message; }
            if (error is not null) yield return $"Alerts:Scrubbing:ExtraFieldPatterns:{i} is not a valid regular expression: {error}";
        }
    }
}
