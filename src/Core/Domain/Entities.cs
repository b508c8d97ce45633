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

public enum IncidentStatus { Open = 0, Resolved = 1, Ignored = 2, Snoozed = 3 }

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
    public DateTime? ResolvedAt { get; set; }

    /// <summary>Snoozed until this time, or until <see cref="SnoozedUntilCount"/> occurrences, whichever is set.</summary>
    public DateTime? SnoozedUntil { get; set; }
    public long? SnoozedUntilCount { get; set; }

    /// <summary>When the last mail about this incident was decided, and the count it reported: the cooldown's clock.</summary>
    public DateTime? LastNotifiedAt { get; set; }
    public long LastNotifiedCount { get; set; }
}

public enum NotificationStatus { Pending = 0, Sent = 1, Failed = 2, Skipped = 3 }

/// <summary>A mail decided about an incident (or a project's storm summary): the outbox row the sender works from.</summary>
public sealed class Notification
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    /// <summary>Null for a storm summary, which is about several incidents.</summary>
    public long? IncidentId { get; set; }
    public string? EventId { get; set; }
    public required string Reason { get; set; }
    public NotificationStatus Status { get; set; }
    public required string Recipients { get; set; }
    public required string Subject { get; set; }
    public required string Body { get; set; }
    public string? HtmlBody { get; set; }
    /// <summary>The held-back row was listed in this storm summary.</summary>
    public long? SummaryId { get; set; }
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
