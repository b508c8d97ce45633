using Alerts.Core.Events;

namespace Alerts.Core.Domain;

public sealed class Project
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<ProjectKey> Keys { get; set; } = [];
}

public sealed class ProjectKey
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    public required string Key { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>An accepted event: the durable inbox. <see cref="IncidentId"/> stays null until grouped.</summary>
public sealed class StoredEvent
{
    public required string Id { get; set; }
    public long ProjectId { get; set; }
    public EventKind Kind { get; set; }
    public DateTime Timestamp { get; set; }
    public DateTime ReceivedAt { get; set; }
    public required string Payload { get; set; }
    public long? IncidentId { get; set; }
}

public enum IncidentStatus { Open = 0, Resolved = 1, Ignored = 2 }

public sealed class Incident
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    public required string Fingerprint { get; set; }
    public EventKind Kind { get; set; }
    public required string Title { get; set; }
    public IncidentStatus Status { get; set; }
    public long Count { get; set; }
    public DateTime FirstSeen { get; set; }
    public DateTime LastSeen { get; set; }
    public string? LastEventId { get; set; }
}

public enum NotificationStatus { Pending = 0, Sent = 1, Failed = 2, Skipped = 3 }

/// <summary>A mail decided about an incident: the outbox row the sender works from.</summary>
public sealed class Notification
{
    public long Id { get; set; }
    public long IncidentId { get; set; }
    public required string EventId { get; set; }
    public required string Reason { get; set; }
    public NotificationStatus Status { get; set; }
    public required string Recipients { get; set; }
    public required string Subject { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LeasedUntil { get; set; }
    public DateTime? SentAt { get; set; }
    public string? LastResult { get; set; }
}

public sealed class User
{
    public long Id { get; set; }
    public required string Email { get; set; }
    public required string PasswordHash { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class ApiToken
{
    public long Id { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the token; the token itself is shown once and never stored.</summary>
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}
