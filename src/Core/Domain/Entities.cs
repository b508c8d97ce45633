using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Alerts.Core.Events;

namespace Alerts.Core.Domain;

public sealed class Project
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<ProjectKey> Keys { get; set; } = [];

    /// <summary>
    /// Recipients set in the Dashboard, one address per line (<c>Ada Lovelace &lt;ada@example.com&gt;</c>);
    /// null inherits <c>Alerts:Projects</c> and the global lists.
    /// </summary>
    public string? Admins { get; set; }
    public string? Managers { get; set; }
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

    /// <summary>Computed when the event is received, from the scrubbed payload, so grouping reads no payload to fold it.</summary>
    public required string Fingerprint { get; set; }

    public long? IncidentId { get; set; }

    /// <summary>
    /// A new event id: 32 hex digits, time-ordered (UUID v7), so each commit appends to the ends of the id indexes
    /// instead of dirtying a random page of each per event.
    /// </summary>
    public static string NewId() => Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// An events row for a payload received now, to be added through EF (monitors, the crawler): stamped as the inbox's
    /// are, the payload as a string.
    /// </summary>
    public static StoredEvent Create(long projectId, EventKind kind, EventPayload payload, DateTime now, string? id = null)
    {
        var e = InboxEvent.Create(projectId, kind, payload, now, id);
        return new StoredEvent
        {
            Id = e.Id, ProjectId = e.ProjectId, Kind = e.Kind, Timestamp = e.Timestamp, ReceivedAt = e.ReceivedAt,
            Payload = Encoding.UTF8.GetString(e.Payload), Fingerprint = e.Fingerprint,
        };
    }
}

/// <summary>
/// An ingested event on its way into the inbox: the events row's fields, with the payload as the UTF-8 JSON the
/// database stores (SQLite and PostgreSQL take it as is), so a large event is never held as a UTF-16 string.
/// </summary>
public sealed class InboxEvent
{
    /// <summary>The client's id or a new one; replaced by a new one when another project's stored event holds it.</summary>
    public required string Id { get; set; }
    public long ProjectId { get; init; }
    public EventKind Kind { get; init; }
    public DateTime Timestamp { get; init; }
    public DateTime ReceivedAt { get; init; }
    public required byte[] Payload { get; init; }
    public required string Fingerprint { get; init; }

    /// <summary>An inbox row for a payload received now: kind and timestamp stamped into the payload, a new id unless the client gave one.</summary>
    public static InboxEvent Create(long projectId, EventKind kind, EventPayload payload, DateTime now, string? id = null)
    {
        payload.Kind = EventKinds.Name(kind);
        payload.Timestamp ??= now;
        return new InboxEvent
        {
            Id = id ?? StoredEvent.NewId(),
            ProjectId = projectId,
            Kind = kind,
            Timestamp = payload.Timestamp.Value.ToUniversalTime(),
            ReceivedAt = now,
            Payload = EventJson.WriteUtf8(payload),
            Fingerprint = Fingerprinter.Compute(kind, payload),
        };
    }
}

/// <summary>
/// An event id the collector accepted, kept for the idempotency window after its event row may have been pruned:
/// a retry is counted once. Sixteen bytes and an integer, so a million ids stay a few tens of MB.
/// </summary>
public sealed class SeenEventId
{
    public required byte[] Id { get; set; }

    /// <summary>Unix seconds: an integer is smaller than a stored timestamp.</summary>
    public long SeenAt { get; set; }

    /// <summary>
    /// The 16 bytes that stand for an event id within its project, so a project can neither collide with nor claim an
    /// id another project sent: the id's first 8 bytes (time-ordered for ours, so inserts append to the index), then 8
    /// bytes of SHA-256 over the project id and the event id.
    /// </summary>
    public static byte[] KeyOf(long projectId, string eventId)
    {
        var size = sizeof(long) + Encoding.UTF8.GetMaxByteCount(eventId.Length);
        // Ids are 32 hex digits on every path in; a longer one must not overflow the stack.
        Span<byte> input = size <= 256 ? stackalloc byte[size] : new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(input, projectId);
        var length = sizeof(long) + Encoding.UTF8.GetBytes(eventId, input[sizeof(long)..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input[..length], hash);

        var key = new byte[16];
        if (eventId.Length < 16 || Convert.FromHexString(eventId.AsSpan(0, 16), key.AsSpan(0, 8), out _, out _) != OperationStatus.Done)
            hash[8..16].CopyTo(key);
        hash[..8].CopyTo(key.AsSpan(8));
        return key;
    }
}

public enum IncidentStatus { Open = 0, Resolved = 1, Ignored = 2, Snoozed = 3 }

public sealed class Incident
{
    public const int IgnoredByMaxLength = 300;

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

    /// <summary>
    /// When the last mail about this incident was decided, and the count it reported: the cooldown's clock.
    /// The count is of <see cref="ReportedCount"/>: occurrences a rule held back never earn a mail.
    /// </summary>
    public DateTime? LastNotifiedAt { get; set; }
    public long LastNotifiedCount { get; set; }

    /// <summary>Occurrences a broken-link rule held back (ignorable or scanner noise): counted, never mailed.</summary>
    public long IgnoredCount { get; set; }

    /// <summary>The rule that held back the latest such occurrence, or the ignore rule a manager made of it.</summary>
    public string? IgnoredBy { get; set; }

    /// <summary>The occurrences the alert policy counts: all but those a rule held back.</summary>
    public long ReportedCount => Count - IgnoredCount;
}

/// <summary>Occurrences of an incident in one hour (UTC, truncated): the exact counter behind sparklines and histograms.</summary>
public sealed class IncidentHourlyCount
{
    public long IncidentId { get; set; }
    public DateTime Hour { get; set; }
    public long Count { get; set; }

    public static DateTime HourOf(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
}

/// <summary>One page linking to a broken target, and how often a visitor followed that link.</summary>
public sealed class BrokenLinkReferrer
{
    public const int MaxLength = 1000;

    public long IncidentId { get; set; }
    /// <summary>The Referer as the app sent it (scrubbed), cut to <see cref="MaxLength"/>.</summary>
    public required string Referrer { get; set; }
    public long Count { get; set; }
    public DateTime FirstSeen { get; set; }
    public DateTime LastSeen { get; set; }
}

/// <summary>A manager's rule: broken links of a project whose path and query match are ignorable.</summary>
public sealed class IgnoreRule
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    /// <summary>A regular expression searched in the path and query, like an IGNORABLE_404_URLS entry.</summary>
    public required string Pattern { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Who made it: the Dashboard user's e-mail, or "token:NAME".</summary>
    public required string CreatedBy { get; set; }
}

public enum NotificationStatus { Pending = 0, Sent = 1, Failed = 2, Skipped = 3 }

/// <summary>A mail decided about an incident (or a project's storm summary): the outbox row the sender works from.</summary>
public sealed class Notification
{
    public const int ReasonMaxLength = 200;

    public long Id { get; set; }
    public long ProjectId { get; set; }
    /// <summary>Null for a storm summary, which is about several incidents.</summary>
    public long? IncidentId { get; set; }
    public string? EventId { get; set; }
    /// <summary>Why it was written; what code reads.</summary>
    public NotificationReason Cause { get; set; }
    /// <summary>Why it was not mailed on its own (None when it was).</summary>
    public NotificationHold Hold { get; set; }
    /// <summary>The display text of <see cref="Cause"/> and <see cref="Hold"/> with the decision's figures (<see cref="NotificationText"/>); never branched on.</summary>
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
    /// <summary>Failed logins since the last success; reaching the limit locks the account until <see cref="LockoutEnd"/>.</summary>
    public int FailedLoginCount { get; set; }
    public DateTime? LockoutEnd { get; set; }

    /// <summary>
    /// Changes whenever the user's sessions must end (logout, a new password, sign-out-all): a login cookie carries
    /// the stamp it was issued with and is refused once it differs, as ASP.NET Core Identity's security stamp.
    /// </summary>
    public string SecurityStamp { get; set; } = NewSecurityStamp();

    public const int SecurityStampLength = 32;

    public static string NewSecurityStamp() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SecurityStampLength / 2));
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
