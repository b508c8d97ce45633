using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Keys;

/// <summary>
/// At most <see cref="CollectorOptions.EventsPerMinutePerKey"/> events per project key and minute (fixed windows), so
/// one app in an error loop cannot flood the inbox for everyone. Applies to every ingestion API; 0 turns it off.
/// </summary>
public sealed class KeyRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly int _perMinute;

    public KeyRateLimiter(IOptions<CollectorOptions> options)
    {
        var perMinute = _perMinute = options.Value.EventsPerMinutePerKey;
        if (perMinute <= 0) return;
        // Partitions are only ever made for keys that resolved to a project, so their number is bounded by the keys.
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>Takes <paramref name="events"/> permits for <paramref name="key"/>; when refused, how long until the window reopens.</summary>
    public Decision TryTake(string key, int events)
    {
        if (_limiter is null || events <= 0) return Decision.Allowed;
        // A batch larger than a whole window takes the whole window.
        using var lease = _limiter.AttemptAcquire(key, Math.Min(events, _perMinute));
        if (lease.IsAcquired) return Decision.Allowed;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
        return new Decision(false, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds))), _perMinute);
    }

    public void Dispose() => _limiter?.Dispose();

    /// <param name="PerMinute">The allowance that was exceeded, for the message that says so.</param>
    public readonly record struct Decision(bool IsAllowed, TimeSpan RetryAfter, int PerMinute)
    {
        public static Decision Allowed => new(true, TimeSpan.Zero, 0);
    }
}
