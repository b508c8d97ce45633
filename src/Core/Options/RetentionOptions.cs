namespace Alerts.Core.Options;

/// <summary>The <c>Alerts:Retention</c> section: storage grows with incidents, not with events.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Alerts:Retention";

    /// <summary>Incidents not seen for this many days are deleted with their samples, counters and notifications.</summary>
    public int Days { get; set; } = 90;

    /// <summary>Sample events kept per incident (the newest); older ones are pruned as events are grouped.</summary>
    public int SamplesPerIncident { get; set; } = 50;

    /// <summary>How long an event id is remembered, so a client's retry is counted once even after its event was pruned.</summary>
    public int EventIdHours { get; set; } = 24;

    internal static IEnumerable<string> Validate(RetentionOptions o)
    {
        if (o.Days is < 1 or > 36_500)
            yield return "Alerts:Retention:Days must be between 1 and 36500.";
        if (o.SamplesPerIncident is < 1 or > 100_000)
            yield return "Alerts:Retention:SamplesPerIncident must be between 1 and 100000.";
        // Compared with Days only once Days itself is valid: one mistake, one message.
        if (o.EventIdHours < 1 || (o.Days >= 1 && o.EventIdHours > o.Days * 24L))
            yield return "Alerts:Retention:EventIdHours must be at least 1 and at most Alerts:Retention:Days in hours.";
    }
}
