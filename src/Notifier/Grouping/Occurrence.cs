using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// An event being grouped, with what the broken-link rules say of it (errors are always reported). Its payload is
/// there for every broken link and for the first and latest error of its group (<see cref="IncidentGrouper"/> reads no other).
/// </summary>
internal sealed record Occurrence(ClaimedEvent Event, EventPayload? Payload, BrokenLinkVerdict Verdict)
{
    public static Occurrence Of(ClaimedEvent e, EventPayload? payload, Func<long, BrokenLinkRuleSet>? rulesFor)
    {
        var occurrence = new Occurrence(e, payload, BrokenLinkVerdict.Reported);
        if (e.Kind != EventKind.BrokenLink || rulesFor is null) return occurrence;
        var request = occurrence.Read.Request; // every broken link's payload is read
        return occurrence with { Verdict = BrokenLinkRules.Classify(request?.Url, request?.Referrer, request?.UserAgent, rulesFor(e.ProjectId)) };
    }

    /// <summary>The payload of an occurrence grouping has read (see the type's summary).</summary>
    public EventPayload Read => Payload ?? throw new InvalidOperationException($"The payload of event {Event.Id} was not read.");

    /// <summary>Counted but not reported: ignorable, or noise unless noise is to be mailed.</summary>
    public bool HeldBack(bool mailNoise) =>
        Verdict.Class == BrokenLinkClass.Ignorable || (Verdict.Class == BrokenLinkClass.Noise && !mailNoise);
}
