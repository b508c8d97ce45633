using Alerts.Core.Events;

namespace Alerts.Notifier.Grouping;

/// <summary>An event claimed for grouping: what folds it into its incident, without its payload.</summary>
internal sealed record ClaimedEvent(string Id, long ProjectId, EventKind Kind, DateTime ReceivedAt, string Fingerprint);
