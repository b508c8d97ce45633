// MassTransit names a message by its full type name: this namespace never moves.
namespace Alerts.Contracts;

/// <summary>Events were committed to the inbox and wait to be grouped.</summary>
public sealed record EventsAccepted(IReadOnlyList<string> EventIds);

/// <summary>Notification rows were committed and wait to be mailed.</summary>
public sealed record NotificationsQueued(IReadOnlyList<long> NotificationIds);

/// <summary>A monitor that was down reached its recovery threshold: its incident is resolved with one "recovered" mail.</summary>
public sealed record MonitorRecovered(long MonitorId);
