using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Notifier.Delivery;
using Alerts.Notifier.Decide;
using Alerts.Notifier.SelfMonitoring;
using Hangfire;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Jobs;

/// <summary>
/// The database is the source of truth: a Hangfire recurring job (and once at start-up) publishes again
/// the events still ungrouped (a lost in-memory message or a crash loses nothing), decides the follow-up
/// summaries and broken-link digests that are due and sends due mails, retries included.
/// </summary>
public sealed class NotifierSweepJob(
    IDatabaseProvider factory,
    IBus bus,
    NotificationDelivery delivery,
    FollowUpMails followUps,
    BrokenLinkDigest digest,
    SelfMonitor monitor,
    IOptions<NotifierOptions> options,
    TimeProvider clock,
    ILogger<NotifierSweepJob> logger)
{
    public const string RecurringJobId = "notifier-sweep";
    private const int PublishBatch = 500;

    /// <summary>
    /// The most ungrouped events one sweep publishes again, oldest first: about what two notifiers group in one default
    /// interval (docs/scaling.md). A backlog that grouping is still working through is then not queued again whole at
    /// every tick (each copy a claim that finds nothing), and one whose messages were lost still drains, a cap per tick.
    /// </summary>
    internal const int MaxRepublished = 50_000;

    // The next tick is the retry; two sweeps at once would only compete for the same rows.
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task RunAsync(CancellationToken ct)
    {
        // Events younger than one interval are most likely still on their way through the bus.
        var receivedBefore = clock.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds);
        try
        {
            await RepublishUngroupedAsync(receivedBefore, ct);
            await followUps.DecideAsync(ct);
            await digest.DecideAsync(ct);
            await delivery.SendDueAsync(null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The notifier sweep failed; it runs again at the next tick");
            await monitor.ReportAsync(ex, "notifier sweep", ct);
        }
    }

    private async Task RepublishUngroupedAsync(DateTime receivedBefore, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var ids = await factory.WalkingIndexesAsync(db.Database, () => db.Events
            .Where(e => e.IncidentId == null && e.ReceivedAt < receivedBefore)
            .OrderBy(e => e.ReceivedAt).Select(e => e.Id).Take(MaxRepublished).ToListAsync(ct), ct);
        if (ids.Count == 0) return;
        logger.LogInformation("Publishing {Count} ungrouped event(s) again", ids.Count);
        foreach (var chunk in ids.Chunk(PublishBatch)) await bus.Publish(new EventsAccepted(chunk), ct);
    }
}
