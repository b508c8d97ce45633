namespace Alerts.Client.AspNetCore;

/// <summary>
/// The reporting app's <c>Alerts</c> section: where events go (<see cref="Dsn"/>, or <see cref="Endpoint"/> with
/// <see cref="Key"/>), what they are tagged with, and how much the client may hold while the service is away.
/// </summary>
public sealed class AlertsClientOptions
{
    public const string SectionName = "Alerts";

    /// <summary>False turns reporting off (a developer machine without a collector); the middleware then only passes requests on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The project's DSN as <c>alerts projects add</c> prints it: <c>http(s)://KEY@host[:port][/prefix]/PROJECTID</c>.</summary>
    public string? Dsn { get; set; }

    /// <summary>Instead of <see cref="Dsn"/>: the base URL of the Alerts service (or its full <c>/api/v1/events</c> URL).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The project key, with <see cref="Endpoint"/>.</summary>
    public string? Key { get; set; }

    /// <summary>The environment events are tagged with; the host's environment name when not set.</summary>
    public string? Environment { get; set; }

    /// <summary>The release (version) events are tagged with; the app assembly's informational version when not set.</summary>
    public string? Release { get; set; }

    /// <summary>The server name events are tagged with; the machine name when not set.</summary>
    public string? ServerName { get; set; }

    /// <summary>Report unhandled exceptions (ADMINS).</summary>
    public bool ReportErrors { get; set; } = true;

    /// <summary>Report 404 responses to requests that carry a Referer (MANAGERS). The service decides which are ignorable.</summary>
    public bool ReportBrokenLinks { get; set; } = true;

    /// <summary>
    /// Assembly names (or name prefixes before a dot) whose frames are the app's own, besides the app's assembly
    /// (<c>IHostEnvironment.ApplicationName</c>) and its sub-assemblies (<c>Shop.Data</c> for <c>Shop</c>).
    /// </summary>
    public List<string> InAppAssemblies { get; set; } = [];

    /// <summary>Events held while the collector is slow or down; beyond it the oldest are dropped (and counted).</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>No longer used: the sender takes one event at a time and retries it before the next. Kept so existing configuration still binds.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Gzip request bodies (the collector accepts <c>Content-Encoding: gzip</c>).</summary>
    public bool Compress { get; set; } = true;

    /// <summary>Longest wait for a TCP connection to the collector.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for one post (each try of it), connection included.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait after the first failed post before the next try; the pause doubles from one second up to this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Posts one event may fail (collector down, 5xx, timeout) before it is given up.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Time the sender is given at shutdown to post what is still queued.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    internal static IEnumerable<string> Validate(AlertsClientOptions o)
    {
        if (!o.Enabled) yield break;
        var hasDsn = !string.IsNullOrWhiteSpace(o.Dsn);
        if (hasDsn && o.Endpoint is not null)
        {
            yield return "Set Alerts:Dsn, or Alerts:Endpoint with Alerts:Key, not both.";
        }
        else if (hasDsn)
        {
            if (!AlertsTarget.TryParseDsn(o.Dsn!, out _, out var error))
                yield return $"Alerts:Dsn must look like http(s)://KEY@host[:port]/PROJECTID: {error}";
        }
        else if (o.Endpoint is not null)
        {
            if (!AlertsTarget.IsHttpUrl(o.Endpoint))
                yield return "Alerts:Endpoint must be an absolute http(s) URL, such as https://alerts.example.com/.";
            if (string.IsNullOrWhiteSpace(o.Key))
                yield return "Alerts:Key is required with Alerts:Endpoint (the project key).";
        }
        else
        {
            yield return "Alerts:Dsn is required (http://KEY@host:port/PROJECTID), or Alerts:Endpoint with Alerts:Key; "
                + "set Alerts:Enabled=false to run without reporting.";
        }

        if (o.QueueCapacity is < 1 or > 1_000_000)
            yield return "Alerts:QueueCapacity must be between 1 and 1000000.";
        if (o.BatchSize is < 1 or > 10_000)
            yield return "Alerts:BatchSize must be between 1 and 10000.";
        if (o.MaxAttempts is < 1 or > 100)
            yield return "Alerts:MaxAttempts must be between 1 and 100.";
        foreach (var (name, value) in new[]
        {
            ("ConnectTimeout", o.ConnectTimeout), ("SendTimeout", o.SendTimeout),
            ("MaxRetryDelay", o.MaxRetryDelay), ("ShutdownTimeout", o.ShutdownTimeout),
        })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
                yield return $"Alerts:{name} must be more than zero and at most one hour.";
        }
    }
}
