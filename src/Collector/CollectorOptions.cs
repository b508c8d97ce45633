namespace Alerts.Collector;

/// <summary>The <c>Alerts:Collector</c> section: ingestion limits.</summary>
public sealed class CollectorOptions
{
    public const string SectionName = "Alerts:Collector";

    /// <summary>Largest accepted event body, before and after decompression.</summary>
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>Events waiting for the writer; when full, posts get 429 instead of growing memory.</summary>
    public int InboxCapacity { get; set; } = 10_000;

    /// <summary>Most events committed in one transaction.</summary>
    public int MaxBatchSize { get; set; } = 512;

    internal static IEnumerable<string> Validate(CollectorOptions o)
    {
        if (o.MaxEventBytes is < 1024 or > 64 * 1024 * 1024)
            yield return "Alerts:Collector:MaxEventBytes must be between 1024 and 67108864.";
        if (o.InboxCapacity is < 1 or > 1_000_000)
            yield return "Alerts:Collector:InboxCapacity must be between 1 and 1000000.";
        if (o.MaxBatchSize is < 1 or > 5000)
            yield return "Alerts:Collector:MaxBatchSize must be between 1 and 5000.";
    }
}
