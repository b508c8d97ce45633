using System.Globalization;

namespace Alerts.Core.Monitors;

/// <summary>The <c>Alerts:Monitors</c> section: how often the due-check runs, and monitors declared in configuration.</summary>
public sealed class MonitorsOptions
{
    public const string SectionName = "Alerts:Monitors";

    /// <summary>How often the due-check looks for late, missed and timed-out runs (a Hangfire recurring job).</summary>
    public int DueCheckSeconds { get; set; } = 30;

    /// <summary>Uptime checks may reach private and loopback addresses; null is on in Development only.</summary>
    public bool? AllowPrivateTargets { get; set; }

    /// <summary>Cron monitors upserted at start-up (changed in place when their settings change here).</summary>
    public List<ConfiguredMonitor> Cron { get; set; } = [];

    /// <summary>Uptime checks upserted at start-up, requested by the due-check every <c>IntervalSeconds</c>.</summary>
    public List<ConfiguredUptimeCheck> Uptime { get; set; } = [];

    /// <summary>A response body is read up to this many bytes (the keyword is searched there).</summary>
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Every monitor declared here, cron and uptime, with the configuration key it is under.</summary>
    public IEnumerable<(string Key, IConfiguredMonitor Monitor)> Configured() =>
        Cron.Select((m, i) => (string.Create(CultureInfo.InvariantCulture, $"Alerts:Monitors:Cron:{i}"), (IConfiguredMonitor)m))
            .Concat(Uptime.Select((m, i) => (string.Create(CultureInfo.InvariantCulture, $"Alerts:Monitors:Uptime:{i}"), (IConfiguredMonitor)m)));

    public static IEnumerable<string> Validate(MonitorsOptions o)
    {
        if (!(o.DueCheckSeconds is >= 1 and < 60 && 60 % o.DueCheckSeconds == 0) && o.DueCheckSeconds != 60)
            yield return "Alerts:Monitors:DueCheckSeconds must divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) or be 60.";
        foreach (var (at, m) in o.Configured())
        {
            if (MonitorCatalog.NormalizeSlug(m.Slug) is null) yield return $"{at}:Slug must be 1-64 lower-case letters, digits, '-' or '_'.";
            if (m.Project <= 0) yield return $"{at}:Project must be the id of a project.";
            foreach (var (key, errors) in m.Definition().Errors())
                yield return $"{at}: {key}: {string.Join(" ", errors)}";
        }
        if (o.MaxResponseBytes is < 1024 or > 64 * 1024 * 1024) yield return "Alerts:Monitors:MaxResponseBytes must be between 1024 and 67108864.";
    }
}

/// <summary>A monitor in configuration, of either kind: its project, its slug and its settings.</summary>
public interface IConfiguredMonitor
{
    long Project { get; }
    string Slug { get; }
    IMonitorDefinition Definition();
}

/// <summary>A cron monitor in configuration: a crontab (<see cref="Schedule"/>) or an interval in seconds.</summary>
public sealed class ConfiguredMonitor : IConfiguredMonitor
{
    public long Project { get; set; }
    public string Slug { get; set; } = "";
    public string? Schedule { get; set; }
    public long IntervalSeconds { get; set; }
    public string? TimeZone { get; set; }
    public int CheckinMarginMinutes { get; set; } = 1;
    public int? MaxRuntimeMinutes { get; set; }
    public int FailureIssueThreshold { get; set; } = 1;
    public int RecoveryThreshold { get; set; } = 1;

    public MonitorDefinition Definition() => new(
        string.IsNullOrWhiteSpace(Schedule) ? ScheduleType.Interval : ScheduleType.Crontab, Schedule, IntervalSeconds, TimeZone,
        CheckinMarginMinutes, MaxRuntimeMinutes, FailureIssueThreshold, RecoveryThreshold);

    IMonitorDefinition IConfiguredMonitor.Definition() => Definition();
}

/// <summary>An uptime check in configuration: a URL requested every <see cref="IntervalSeconds"/>.</summary>
public sealed class ConfiguredUptimeCheck : IConfiguredMonitor
{
    public long Project { get; set; }
    public string Slug { get; set; } = "";
    public string Url { get; set; } = "";
    public UptimeMethod Method { get; set; }
    public long IntervalSeconds { get; set; } = 60;
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>"200-399" (the default), "200", "200-299".</summary>
    public string ExpectedStatus { get; set; } = "200-399";

    public string? Keyword { get; set; }
    public bool FollowRedirects { get; set; } = true;
    public int CertificateWarningDays { get; set; } = 14;
    public int FailureIssueThreshold { get; set; } = 2;
    public int RecoveryThreshold { get; set; } = 1;

    public UptimeDefinition Definition()
    {
        var (min, max) = UptimeTarget.ParseStatusRange(ExpectedStatus) ?? (0, 0);
        return new(new UptimeTarget
        {
            Url = Url.Trim(), Method = Method, TimeoutSeconds = TimeoutSeconds, StatusMin = min, StatusMax = max, Keyword = Keyword,
            FollowRedirects = FollowRedirects, CertificateWarningDays = CertificateWarningDays,
        }, IntervalSeconds, FailureIssueThreshold, RecoveryThreshold);
    }

    IMonitorDefinition IConfiguredMonitor.Definition() => Definition();
}
