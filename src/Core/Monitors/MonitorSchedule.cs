using System.Globalization;
using Cronos;

namespace Alerts.Core.Monitors;

public enum ScheduleType { Interval = 0, Crontab = 1 }

/// <summary>
/// When a monitored job is expected: a crontab in a time zone (Cronos, which steps over DST gaps and runs an ambiguous
/// hour once), or an interval after the last check-in.
/// </summary>
public sealed class MonitorSchedule
{
    private readonly CronExpression? _cron;

    private MonitorSchedule(ScheduleType type, CronExpression? cron, TimeSpan interval, TimeZoneInfo zone)
    {
        Type = type;
        _cron = cron;
        Interval = interval;
        Zone = zone;
    }

    public ScheduleType Type { get; }
    public TimeSpan Interval { get; }
    public TimeZoneInfo Zone { get; }

    /// <summary>The first expected time strictly after <paramref name="afterUtc"/>.</summary>
    public DateTime Next(DateTime afterUtc)
    {
        var after = DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc);
        if (_cron is null) return after + Interval;
        // A crontab that never fires again (30 February) expects nothing for a century.
        return _cron.GetNextOccurrence(after, Zone) ?? after.AddYears(100);
    }

    public static MonitorSchedule Every(TimeSpan interval) =>
        interval >= TimeSpan.FromSeconds(1) ? new(ScheduleType.Interval, null, interval, TimeZoneInfo.Utc)
            : throw new ArgumentOutOfRangeException(nameof(interval), "An interval is at least a second.");

    /// <summary>Parses a schedule as stored: a crontab ("0 2 * * *", "@daily") or an interval in seconds; null with an error when invalid.</summary>
    public static MonitorSchedule? TryCreate(ScheduleType type, string? crontab, long intervalSeconds, string? timeZone, out string? error)
    {
        error = null;
        if (!TryZone(timeZone, out var zone))
        {
            error = $"'{timeZone}' is not a known time zone (use an IANA name such as Europe/Berlin).";
            return null;
        }
        if (type == ScheduleType.Interval)
        {
            if (intervalSeconds is >= 1 and <= 366L * 24 * 3600) return new(type, null, TimeSpan.FromSeconds(intervalSeconds), zone);
            error = "The interval must be between a second and a year.";
            return null;
        }
        if (string.IsNullOrWhiteSpace(crontab))
        {
            error = "A crontab schedule needs an expression such as '0 2 * * *'.";
            return null;
        }
        try
        {
            return new(type, CronExpression.Parse(crontab.Trim(), CronFormat.Standard), TimeSpan.Zero, zone);
        }
        catch (CronFormatException ex)
        {
            error = $"'{crontab}' is not a valid crontab: {ex.Message}";
            return null;
        }
    }

    /// <summary>Sentry's interval units (minute, hour, day, week, month, year) in seconds; months and years by their usual length.</summary>
    public static long? IntervalSeconds(long value, string? unit)
    {
        long? per = unit?.ToLowerInvariant().TrimEnd('s') switch
        {
            "second" => 1,
            "minute" => 60,
            "hour" => 3600,
            "day" => 86400,
            "week" => 7 * 86400,
            "month" => 30 * 86400,
            "year" => 365 * 86400,
            _ => null,
        };
        return per is { } p && value > 0 && value <= 366L * 86400 / p ? value * p : null;
    }

    public static bool TryZone(string? name, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(name) || name is "UTC" or "Etc/UTC") return true;
        return TimeZoneInfo.TryFindSystemTimeZoneById(name.Trim(), out zone!);
    }

    public override string ToString() => _cron is not null
        ? Zone == TimeZoneInfo.Utc ? _cron.ToString() : $"{_cron} ({Zone.Id})"
        : string.Create(CultureInfo.InvariantCulture, $"every {Interval}");
}
