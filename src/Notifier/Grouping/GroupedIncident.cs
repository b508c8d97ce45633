using Alerts.Core.Domain;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// What grouping hands to Decide for one incident: its state after the upsert (its row locked until commit), the
/// occurrences the rules let through and those they held back, and whether a rule newly held this incident back.
/// </summary>
internal sealed record GroupedIncident(Incident Incident, IReadOnlyList<Occurrence> Reported, IReadOnlyList<Occurrence> HeldBack, bool NewHoldRule)
{
    public Occurrence? LatestReported => Reported.MaxBy(x => x.Event, SampleWindow.Order);

    public Occurrence? LatestHeldBack => HeldBack.MaxBy(x => x.Event, SampleWindow.Order);
}
