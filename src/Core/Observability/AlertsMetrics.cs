using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Alerts.Core.Observability;

/// <summary>
/// The service's own instruments (meter and activity source "Alerts"): what an operator watches to know events are
/// accepted, grouped in time and mailed. Static, so each site records with one line and no constructor changes.
/// </summary>
public static class AlertsMetrics
{
    public const string Name = "Alerts";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);
    private static readonly ConcurrentDictionary<object, (string Queue, Func<long> Depth)> Queues = new();

    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>(
        "alerts.events.accepted", "{event}", "Events committed to the inbox (answered 202/200), per project.");

    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        "alerts.events.rejected", "{event}", "Events refused (invalid, unauthorised, too large, busy, store unavailable), per project and reason.");

    private static readonly Histogram<double> GroupingLag = Meter.CreateHistogram(
        "alerts.grouping.lag", "s", "Time from an event's acceptance to its grouping into an incident.", tags: null,
        // Seconds, from "at once" to "the sweep picked it up after an outage".
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900] });

    private static readonly Counter<long> Mails = Meter.CreateCounter<long>(
        "alerts.mails", "{mail}", "Mail attempts by outcome: sent, failed (given up), retried (transient failure, tried again later).");

    static AlertsMetrics()
    {
        Meter.CreateObservableGauge("alerts.queue.depth", ObserveQueues, "{item}",
            "Work waiting: events in a collector's inbox channel (inbox), events not yet grouped (ungrouped), mails not yet sent (pending_mails).");
    }

    public static void EventAccepted(long projectId) => Accepted.Add(1, new KeyValuePair<string, object?>("project", projectId));

    public static void EventRejected(long? projectId, string reason) =>
        Rejected.Add(1, new KeyValuePair<string, object?>("project", projectId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"),
            new KeyValuePair<string, object?>("reason", reason));

    public static void EventsGrouped(IEnumerable<DateTime> receivedAt, DateTime now)
    {
        foreach (var at in receivedAt) GroupingLag.Record(Math.Max(0, (now - at).TotalSeconds));
    }

    public static void MailSent() => Mails.Add(1, new KeyValuePair<string, object?>("outcome", "sent"));

    public static void MailFailed() => Mails.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));

    public static void MailRetried() => Mails.Add(1, new KeyValuePair<string, object?>("outcome", "retried"));

    /// <summary>Reports a queue's depth on every collection until the returned handle is disposed.</summary>
    public static IDisposable ObserveQueue(string queue, Func<long> depth)
    {
        var handle = new QueueHandle();
        Queues[handle] = (queue, depth);
        return handle;
    }

    private static IEnumerable<Measurement<long>> ObserveQueues() =>
        Queues.Values
            .GroupBy(q => q.Queue)
            .Select(g => new Measurement<long>(g.Sum(q => q.Depth()), new KeyValuePair<string, object?>("queue", g.Key)));

    private sealed class QueueHandle : IDisposable
    {
        public void Dispose() => Queues.TryRemove(this, out _);
    }
}
