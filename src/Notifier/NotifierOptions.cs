namespace Alerts.Notifier;

/// <summary>The <c>Alerts:Notifier</c> section: sweeps and retries.</summary>
public sealed class NotifierOptions
{
    public const string SectionName = "Alerts:Notifier";

    /// <summary>How often events not yet grouped and mails not yet sent are picked up again.</summary>
    public int SweepIntervalSeconds { get; set; } = 15;

    /// <summary>First retry delay after a transient SMTP failure; doubles per attempt.</summary>
    public int RetryBaseSeconds { get; set; } = 30;

    /// <summary>Longest delay between two attempts.</summary>
    public int RetryMaxSeconds { get; set; } = 3600;

    /// <summary>Attempts before a mail that keeps failing transiently is marked failed.</summary>
    public int MaxAttempts { get; set; } = 12;

    internal static IEnumerable<string> Validate(NotifierOptions o)
    {
        // The sweep is a cron schedule: an interval must divide a minute, or an hour in whole minutes.
        if (!(o.SweepIntervalSeconds is >= 1 and < 60 && 60 % o.SweepIntervalSeconds == 0)
            && !(o.SweepIntervalSeconds is >= 60 and <= 3600 && o.SweepIntervalSeconds % 60 == 0 && 3600 % o.SweepIntervalSeconds == 0))
            yield return "Alerts:Notifier:SweepIntervalSeconds must divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or be whole minutes dividing an hour (60, 120, ... 3600).";
        if (o.RetryBaseSeconds is < 1 or > 3600) yield return "Alerts:Notifier:RetryBaseSeconds must be between 1 and 3600.";
        if (o.RetryMaxSeconds < o.RetryBaseSeconds) yield return "Alerts:Notifier:RetryMaxSeconds must not be below RetryBaseSeconds.";
        if (o.MaxAttempts is < 1 or > 100) yield return "Alerts:Notifier:MaxAttempts must be between 1 and 100.";
    }
}
