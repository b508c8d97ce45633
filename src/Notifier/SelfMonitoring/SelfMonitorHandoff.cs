using Alerts.Contracts;
using MassTransit;

namespace Alerts.Notifier.SelfMonitoring;

/// <summary>Where a stored self-monitoring event goes next; which one a process has depends on its roles.</summary>
public interface ISelfMonitorHandoff
{
    Task HandOffAsync(string eventId, CancellationToken ct);
}

/// <summary>
/// A notifier groups and decides the event at once, in this process (grouping that fails on the bus must not be asked
/// again through the bus), and leaves sending to the delivery consumer, which nothing here depends on.
/// </summary>
internal sealed class GroupHere(EventPipeline pipeline, IBus bus) : ISelfMonitorHandoff
{
    public async Task HandOffAsync(string eventId, CancellationToken ct)
    {
        var queued = await pipeline.GroupAsync([eventId], ct);
        if (queued.Count > 0) await bus.Publish(new NotificationsQueued(queued), ct);
    }
}

/// <summary>Any other role carries no pipeline: it hands the event to the notifiers as an accepted event.</summary>
internal sealed class PublishToNotifiers(IBus bus) : ISelfMonitorHandoff
{
    public Task HandOffAsync(string eventId, CancellationToken ct) => bus.Publish(new EventsAccepted([eventId]), ct);
}
