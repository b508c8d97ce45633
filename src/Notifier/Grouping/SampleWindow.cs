namespace Alerts.Notifier.Grouping;

/// <summary>An event of an incident, as far as choosing its samples goes.</summary>
internal readonly record struct Sample(string Id, DateTime ReceivedAt);

/// <summary>
/// Which events stay as an incident's samples: never more than its newest <c>keep</c> by received time, then id. A batch's
/// events outside them are deleted at once rather than assigned first (under a flood that spares rewriting every event
/// row and its payload), and so are the samples they displace.
/// </summary>
internal static class SampleWindow
{
    /// <summary>
    /// The window's order: by received time, a tie by id. Every "first" and "latest" of a batch is taken in it, so a tie on
    /// time (frequent on PostgreSQL's microseconds under a flood) names the same event wherever it is asked.
    /// </summary>
    public static readonly IComparer<ClaimedEvent> Order = Comparer<ClaimedEvent>.Create(static (a, b) => Compare(a.ReceivedAt, a.Id, b.ReceivedAt, b.Id));

    private static readonly IComparer<Sample> SampleOrder = Comparer<Sample>.Create(static (a, b) => Compare(a.ReceivedAt, a.Id, b.ReceivedAt, b.Id));

    private static int Compare(DateTime at, string id, DateTime otherAt, string otherId) =>
        at != otherAt ? at.CompareTo(otherAt) : string.CompareOrdinal(id, otherId);

    /// <summary>The newest of <paramref name="events"/> in the window's order: the incident's last event is its newest sample.</summary>
    public static ClaimedEvent Newest(IEnumerable<ClaimedEvent> events) => events.MaxBy(e => e, Order)!;

    /// <summary>The oldest of <paramref name="events"/> in the window's order.</summary>
    public static ClaimedEvent Oldest(IEnumerable<ClaimedEvent> events) => events.MinBy(e => e, Order)!;

    /// <summary>Of <paramref name="batch"/> (not assigned yet) and <paramref name="current"/> (the incident's samples): what to assign, what to delete.</summary>
    public static (List<string> Assign, List<string> Delete) Split(IEnumerable<Sample> current, IEnumerable<Sample> batch, int keep)
    {
        var fresh = batch.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var newestFirst = current.Where(s => !fresh.Contains(s.Id)).Concat(batch).OrderDescending(SampleOrder).ToList();
        return ([.. newestFirst.Take(keep).Where(s => fresh.Contains(s.Id)).Select(s => s.Id)], [.. newestFirst.Skip(keep).Select(s => s.Id)]);
    }
}
