namespace Alerts.Core.Monitors;

/// <summary>What an uptime check requests and what counts as up (stored in the monitor's row).</summary>
public sealed record UptimeTarget
{
    public const int UrlMaxLength = 2000;
    public const int KeywordMaxLength = 200;

    public required string Url { get; init; }
    public UptimeMethod Method { get; init; }
    public int TimeoutSeconds { get; init; } = 10;
    public int StatusMin { get; init; } = 200;
    public int StatusMax { get; init; } = 399;

    /// <summary>The body must contain this text (ordinal); null checks no body.</summary>
    public string? Keyword { get; init; }

    public bool FollowRedirects { get; init; } = true;

    /// <summary>A certificate that expires within this many days fails the check; 0 checks no expiry.</summary>
    public int CertificateWarningDays { get; init; } = 14;

    /// <summary>The URL without its user info, so credentials never reach a log, a mail or a page.</summary>
    public string SafeUrl => Redact(Url);

    /// <summary>"200-399" or "200"; null when it is neither.</summary>
    public static (int Min, int Max)? ParseStatusRange(string? text)
    {
        var parts = (text ?? "").Split('-', StringSplitOptions.TrimEntries);
        static int? Code(string s) => int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        return parts switch
        {
            [var one] when Code(one) is { } c => (c, c),
            [var a, var b] when Code(a) is { } lo && Code(b) is { } hi => (lo, hi),
            _ => null,
        };
    }

    public string StatusText => StatusMin == StatusMax
        ? StatusMin.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : FormattableString.Invariant($"{StatusMin}-{StatusMax}");

    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri
            : url;
}

/// <summary>An uptime check's settings as configuration and the API give them.</summary>
public sealed record UptimeDefinition(
    UptimeTarget Target,
    long IntervalSeconds = 60,
    int FailureIssueThreshold = 2,
    int RecoveryThreshold = 1) : IMonitorDefinition
{
    /// <summary>The target as the row keeps it: an empty keyword is no keyword.</summary>
    private UptimeTarget Stored => Target with { Keyword = string.IsNullOrEmpty(Target.Keyword) ? null : Target.Keyword };

    public Dictionary<string, string[]> Errors()
    {
        var errors = new Dictionary<string, string[]>();
        var t = Target;
        if (!Uri.TryCreate(t.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            errors["url"] = ["An absolute http or https URL."];
        else if (t.Url.Length > UptimeTarget.UrlMaxLength) errors["url"] = ["At most 2000 characters."];
        if (!Enum.IsDefined(t.Method)) errors["method"] = ["GET or HEAD."];
        if (IntervalSeconds is < 30 or > 7 * 24 * 3600) errors["intervalSeconds"] = ["Between 30 and 604800 seconds."];
        if (t.TimeoutSeconds < 1 || t.TimeoutSeconds > Math.Min(120, IntervalSeconds)) errors["timeoutSeconds"] = ["Between 1 and 120 seconds, and at most the interval."];
        if (t.StatusMin is < 100 or > 599 || t.StatusMax is < 100 or > 599 || t.StatusMin > t.StatusMax)
            errors["expectedStatus"] = ["A range of HTTP status codes within 100-599."];
        if (t.Keyword is { Length: > UptimeTarget.KeywordMaxLength }) errors["keyword"] = ["At most 200 characters."];
        if (t.Keyword is not null && t.Method == UptimeMethod.Head) errors["keyword"] = ["A HEAD response has no body to search."];
        if (t.CertificateWarningDays is < 0 or > 365) errors["certificateWarningDays"] = ["Between 0 and 365."];
        if (FailureIssueThreshold is < 1 or > 1000) errors["failureIssueThreshold"] = ["Between 1 and 1000."];
        if (RecoveryThreshold is < 1 or > 1000) errors["recoveryThreshold"] = ["Between 1 and 1000."];
        return errors;
    }

    public void CopyTo(CronMonitor m)
    {
        m.Kind = MonitorKind.Uptime;
        m.Uptime = Stored;
        m.ScheduleType = ScheduleType.Interval;
        m.Crontab = null;
        m.TimeZone = null;
        m.IntervalSeconds = IntervalSeconds;
        m.MarginMinutes = 0;
        m.MaxRuntimeMinutes = null;
        m.FailureIssueThreshold = FailureIssueThreshold;
        m.RecoveryThreshold = RecoveryThreshold;
    }

    public bool SameAs(CronMonitor m) => m.Kind == MonitorKind.Uptime && m.Uptime == Stored
        && m.IntervalSeconds == IntervalSeconds && m.FailureIssueThreshold == FailureIssueThreshold && m.RecoveryThreshold == RecoveryThreshold;
}

/// <summary>What one uptime request found; <see cref="Error"/> when no response came (refused, timed out, TLS).</summary>
public sealed record UptimeResponse(int? Status, bool? KeywordFound, DateTime? CertificateNotAfter, string? Error, double DurationSeconds);

/// <summary>Up, or down with the reason shown in the run's log and the mail.</summary>
public sealed record UptimeVerdict(bool Up, string? Reason);

/// <summary>Whether one response counts as up: the uptime check's rule, pure so each case is a table row.</summary>
public static class UptimeRule
{
    public static UptimeVerdict Evaluate(UptimeTarget t, UptimeResponse r, DateTime now)
    {
        if (r.Error is not null) return new(false, r.Error);
        if (r.Status is not { } status) return new(false, "no response");
        if (status < t.StatusMin || status > t.StatusMax)
            return new(false, FormattableString.Invariant($"status {status}, expected {t.StatusMin}-{t.StatusMax}"));
        if (t.Keyword is not null && r.KeywordFound != true) return new(false, $"keyword \"{t.Keyword}\" not found in the response");
        if (t.CertificateWarningDays > 0 && r.CertificateNotAfter is { } notAfter && notAfter - now < TimeSpan.FromDays(t.CertificateWarningDays))
        {
            var days = (int)Math.Ceiling((notAfter - now).TotalDays);
            return new(false, notAfter <= now ? "certificate expired" : FormattableString.Invariant($"certificate expires in {days} days"));
        }
        return new(true, null);
    }
}

/// <summary>One day of an uptime check: the share of good checks and the mean response time; null without checks.</summary>
public sealed record UptimeDay(DateOnly Day, int Checks, double? Percent, double? MeanSeconds);

public static class UptimeStats
{
    /// <summary>The last <paramref name="days"/> UTC days up to <paramref name="today"/>, oldest first. Pure.</summary>
    public static List<UptimeDay> PerDay(IEnumerable<MonitorCheckIn> runs, DateOnly today, int days)
    {
        var byDay = runs.Where(r => r.Status != CheckInStatus.InProgress).ToLookup(r => DateOnly.FromDateTime(r.StartedAt));
        return [.. Enumerable.Range(0, days).Select(i => today.AddDays(i - days + 1)).Select(d => Day(d, [.. byDay[d]]))];
    }

    private static UptimeDay Day(DateOnly day, List<MonitorCheckIn> checks)
    {
        if (checks.Count == 0) return new UptimeDay(day, 0, null, null);
        var good = checks.Where(r => r.Status == CheckInStatus.Ok).ToList();
        var timed = good.Where(r => r.DurationSeconds is not null).Select(r => r.DurationSeconds!.Value).ToList();
        return new UptimeDay(day, checks.Count, 100.0 * good.Count / checks.Count, timed.Count > 0 ? timed.Average() : null);
    }
}
