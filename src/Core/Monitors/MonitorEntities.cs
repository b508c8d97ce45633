namespace Alerts.Core.Monitors;

/// <summary>Where a monitor was declared: who may change it, and what start-up upserts.</summary>
public enum MonitorSource { Api = 0, Configuration = 1, SentryCheckIn = 2 }

/// <summary>How a monitor learns of runs: check-ins a job sends (cron), or HTTP requests the due-check makes (uptime).</summary>
public enum MonitorKind { Cron = 0, Uptime = 1 }

/// <summary>The HTTP method of an uptime check.</summary>
public enum UptimeMethod { Get = 0, Head = 1 }

/// <summary>
/// A scheduled job that checks in (Sentry Crons, a ping URL in a crontab). Its row is the state machine's state;
/// <see cref="Version"/> makes every change conditional, so two processes never both act on one miss.
/// </summary>
public sealed class CronMonitor
{
    public const int SlugMaxLength = 64;
    public const int CrontabMaxLength = 100;

    public long Id { get; set; }
    public long ProjectId { get; set; }

    /// <summary>Unique in its project: Sentry's <c>monitor_slug</c>, the last part of <c>/ping/{key}/{slug}</c>.</summary>
    public required string Slug { get; set; }

    /// <summary>The secret of its ping URL, <c>/ping/{uuid}</c>.</summary>
    public Guid Uuid { get; set; }

    public MonitorSource Source { get; set; }
    public MonitorKind Kind { get; set; }

    /// <summary>An uptime check's target and what counts as up; null for a cron monitor.</summary>
    public UptimeTarget? Uptime { get; set; }

    public ScheduleType ScheduleType { get; set; }
    public string? Crontab { get; set; }
    public long IntervalSeconds { get; set; }

    /// <summary>IANA time zone of the crontab; null is UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Sentry's <c>checkin_margin</c>: how long after the expected time a run still counts as on time.</summary>
    public int MarginMinutes { get; set; } = 1;

    /// <summary>Sentry's <c>max_runtime</c>: a run in progress longer than this timed out; null is no limit.</summary>
    public int? MaxRuntimeMinutes { get; set; }

    public int FailureIssueThreshold { get; set; } = 1;
    public int RecoveryThreshold { get; set; } = 1;
    public bool Paused { get; set; }

    public MonitorState State { get; set; }
    public DateTime? ExpectedAt { get; set; }
    public DateTime? RunningSince { get; set; }
    public int Failures { get; set; }
    public int Successes { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastCheckInAt { get; set; }

    /// <summary>Optimistic concurrency: every write is conditional on the version read and increments it.</summary>
    public long Version { get; set; }

    public MonitorStatus Status => new(State, ExpectedAt, RunningSince, Failures, Successes);

    public void Apply(MonitorStatus s)
    {
        State = s.State;
        ExpectedAt = s.ExpectedAt;
        RunningSince = s.RunningSince;
        Failures = s.Failures;
        Successes = s.Successes;
    }

    public MonitorSchedule? Schedule(out string? error) => MonitorSchedule.TryCreate(ScheduleType, Crontab, IntervalSeconds, TimeZone, out error);

    public MonitorRules Rules() => new(
        Schedule(out var error) ?? throw new InvalidOperationException($"Monitor {Slug}: {error}"),
        TimeSpan.FromMinutes(MarginMinutes),
        MaxRuntimeMinutes is { } max ? TimeSpan.FromMinutes(max) : null,
        Math.Max(1, FailureIssueThreshold),
        Math.Max(1, RecoveryThreshold));

    /// <summary>"0 2 * * * Europe/Berlin", "every 300 s", "GET https://example.com/ every 60 s": how lists and mails show the schedule.</summary>
    public string ScheduleText => (Uptime, ScheduleType) switch
    {
        ({ } u, _) => FormattableString.Invariant($"{u.Method.ToString().ToUpperInvariant()} {u.SafeUrl} every {IntervalSeconds} s"),
        (_, ScheduleType.Crontab) when TimeZone is not null => $"{Crontab} {TimeZone}",
        (_, ScheduleType.Crontab) => Crontab ?? "",
        _ => FormattableString.Invariant($"every {IntervalSeconds} s"),
    };
}

/// <summary>One run of a monitored job: a check-in (start, end, both) or a failure the due-check found.</summary>
public sealed class MonitorCheckIn
{
    public const int LogMaxBytes = 10 * 1024;
    public const int EnvironmentMaxLength = 64;

    public long Id { get; set; }
    public long MonitorId { get; set; }

    /// <summary>Sentry's <c>check_in_id</c> (32 hex), which links a run's start to its end; ours for pings.</summary>
    public required string CheckInId { get; set; }

    public CheckInStatus Status { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public double? DurationSeconds { get; set; }
    public string? Environment { get; set; }

    /// <summary>A ping's exit status (<c>/ping/{uuid}/{exit-status}</c>).</summary>
    public int? ExitStatus { get; set; }

    /// <summary>The run's output as the job posted it (up to 10 KB), shown in the failure mail.</summary>
    public string? Log { get; set; }

    public static string NewId() => Guid.CreateVersion7().ToString("N");
}
