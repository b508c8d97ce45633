namespace Alerts.Notifier.Grouping;

/// <summary>
/// Which of a group's events stay as the incident's samples: never more than its newest <c>keep</c>, the order
/// <see cref="IncidentGrouper"/>'s pruning keeps. The others would be pruned in the same transaction, so they are deleted
/// at once rather than assigned first: under a flood that spares rewriting every event row (and its 1.5 KB payload).
/// </summary>
internal static class SampleWindow
{
    public static (List<string> Samples, List<string> Pruned) Split(IEnumerable<ClaimedEvent> events, int keep)
    {
        var newestFirst = events.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id, StringComparer.Ordinal).Select(e => e.Id).ToList();
        return ([.. newestFirst.Take(keep)], [.. newestFirst.Skip(keep)]);
    }
}
