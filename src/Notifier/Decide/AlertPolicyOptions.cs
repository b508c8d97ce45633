namespace Alerts.Notifier.Decide;

/// <summary>The <c>Alerts:Policy</c> section: when a repeat is worth another mail.</summary>
public sealed class AlertPolicyOptions
{
    public const string SectionName = "Alerts:Policy";

    /// <summary>Occurrence counts that earn a mail of their own (after the cooldown).</summary>
    public List<long> Milestones { get; set; } = [10, 100, 1000, 10000];

    /// <summary>At most one follow-up mail per incident in this many minutes.</summary>
    public int CooldownMinutes { get; set; } = 30;

    /// <summary>At most this many mails per project per window; above it one storm summary lists what was held back.</summary>
    public int ProjectCap { get; set; } = 10;
    public int ProjectCapWindowMinutes { get; set; } = 30;

    internal static IEnumerable<string> Validate(AlertPolicyOptions o)
    {
        for (var i = 0; i < o.Milestones.Count; i++)
            if (o.Milestones[i] < 2) yield return $"Alerts:Policy:Milestones:{i} must be 2 or more.";
        if (o.CooldownMinutes is < 0 or > 10080) yield return "Alerts:Policy:CooldownMinutes must be between 0 and 10080 (a week).";
        if (o.ProjectCap is < 1 or > 10000) yield return "Alerts:Policy:ProjectCap must be between 1 and 10000.";
        if (o.ProjectCapWindowMinutes is < 1 or > 1440) yield return "Alerts:Policy:ProjectCapWindowMinutes must be between 1 and 1440.";
    }
}
