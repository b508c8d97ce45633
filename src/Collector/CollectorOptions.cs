namespace Alerts.Collector;

/// <summary>The <c>Alerts:Collector</c> section: ingestion limits.</summary>
public sealed class CollectorOptions
{
    public const string SectionName = "Alerts:Collector";

    /// <summary>Largest accepted event body (or Sentry event item), before and after decompression.</summary>
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest Sentry envelope on the wire when compressed (Sentry's own limit: 20 MiB).</summary>
    public long MaxEnvelopeBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest Sentry envelope once decompressed (Sentry's own limit: 200 MiB); only event items are kept in memory.</summary>
    public long MaxEnvelopeDecompressedBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Events one project key may send per minute, over every ingestion API; more get 429. 0: no limit.</summary>
    public int EventsPerMinutePerKey { get; set; }

    /// <summary>Events waiting for the writer; when full, posts get 429 instead of growing memory.</summary>
    public int InboxCapacity { get; set; } = 10_000;

    /// <summary>
    /// Writers committing batches at once on a database that takes many writers (PostgreSQL): while one waits for its
    /// commit to reach the disk, the others fill and send theirs. SQLite takes one writer, whatever this says. Two beat
    /// four and eight on a 2-core box holding PostgreSQL (fewer, fuller batches: bench/RESULTS.md); raise it for a larger server.
    /// </summary>
    public int InboxWriters { get; set; } = 2;

    /// <summary>Most events committed in one transaction.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>
    /// Seconds the writer waits for the database's write lock (another writer, a backup) before giving up on a batch:
    /// its posts get 429 with Retry-After instead of hanging.
    /// </summary>
    public int WriteTimeoutSeconds { get; set; } = 5;

    internal static IEnumerable<string> Validate(CollectorOptions o)
    {
        if (o.MaxEventBytes is < 1024 or > 64 * 1024 * 1024)
            yield return "Alerts:Collector:MaxEventBytes must be between 1024 and 67108864.";
        if (o.MaxEnvelopeBytes < o.MaxEventBytes || o.MaxEnvelopeBytes > 1024L * 1024 * 1024)
            yield return "Alerts:Collector:MaxEnvelopeBytes must be at least MaxEventBytes and at most 1073741824.";
        if (o.MaxEnvelopeDecompressedBytes < o.MaxEnvelopeBytes || o.MaxEnvelopeDecompressedBytes > 4L * 1024 * 1024 * 1024)
            yield return "Alerts:Collector:MaxEnvelopeDecompressedBytes must be at least MaxEnvelopeBytes and at most 4294967296.";
        if (o.EventsPerMinutePerKey is < 0 or > 10_000_000)
            yield return "Alerts:Collector:EventsPerMinutePerKey must be between 0 (no limit) and 10000000.";
        if (o.InboxCapacity is < 1 or > 1_000_000)
            yield return "Alerts:Collector:InboxCapacity must be between 1 and 1000000.";
        if (o.InboxWriters is < 1 or > 64)
            yield return "Alerts:Collector:InboxWriters must be between 1 and 64.";
        if (o.MaxBatchSize is < 1 or > 5000)
            yield return "Alerts:Collector:MaxBatchSize must be between 1 and 5000.";
        if (o.WriteTimeoutSeconds is < 1 or > 300)
            yield return "Alerts:Collector:WriteTimeoutSeconds must be between 1 and 300.";
    }
}
