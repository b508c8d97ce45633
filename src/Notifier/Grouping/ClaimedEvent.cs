using Alerts.Core.Events;

namespace Alerts.Notifier.Grouping;

/// <summary>An event claimed for grouping: its payload is read only when it has no fingerprint yet.</summary>
internal sealed record ClaimedEvent(string Id, long ProjectId, EventKind Kind, DateTime ReceivedAt, string Fingerprint, EventPayload? Payload);
