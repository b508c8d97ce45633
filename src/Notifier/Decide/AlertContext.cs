using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>Why the policy is asked: an occurrence was grouped, or the sweep looks at a quiet incident.</summary>
public enum Trigger { Occurrence, Sweep }

/// <summary>
/// What the policy knows about an incident when deciding; counts are before and after this occurrence.
/// <see cref="BelowMailLevel"/>: its latest event is below <c>Alerts:MailLevel</c> (a captured warning).
/// <see cref="FirstInternalReferrer"/>: a broken link's occurrence is the first from one of the site's own pages.
/// </summary>
public sealed record AlertContext(
    EventKind Kind,
    IncidentStatus Status,
    long CountBefore,
    long CountAfter,
    DateTime Now,
    IReadOnlyList<Recipient> Recipients,
    DateTime? LastNotifiedAt = null,
    long LastNotifiedCount = 0,
    DateTime? SnoozedUntil = null,
    long? SnoozedUntilCount = null,
    int ProjectMailsInWindow = 0,
    bool BrokenLinkMailOn = true,
    Trigger Trigger = Trigger.Occurrence,
    bool BrokenLinkDigest = false,
    bool BelowMailLevel = false,
    bool FirstInternalReferrer = false);
