using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Policy;

/// <summary>What the policy knows about one grouped occurrence.</summary>
public sealed record AlertContext(EventKind Kind, bool IsFirstOccurrence, long Count);

/// <summary>
/// The policy's answer: <see cref="Record"/> says whether a notification row is written at all,
/// <see cref="Send"/> whether it is mailed; a held-back mail is recorded with its reason.
/// </summary>
public sealed record AlertDecision(bool Record, bool Send, string Reason, IReadOnlyList<Recipient> Recipients)
{
    public static AlertDecision Nothing(string reason) => new(false, false, reason, []);
    public static AlertDecision HeldBack(string reason) => new(true, false, reason, []);
    public static AlertDecision Mail(string reason, IReadOnlyList<Recipient> to) => new(true, true, reason, to);
}

public static class AlertPolicy
{
    public const string FirstOccurrence = "first occurrence";

    /// <summary>Errors go to ADMINS, broken links to MANAGERS, on an incident's first occurrence.</summary>
    public static AlertDecision Decide(AlertContext context, AlertsOptions settings)
    {
        if (!context.IsFirstOccurrence)
            return AlertDecision.Nothing("repeat occurrence");

        if (context.Kind == EventKind.BrokenLink)
        {
            if (!settings.SendBrokenLinkEmails)
                return AlertDecision.HeldBack($"{FirstOccurrence}; broken-link mail is off (SendBrokenLinkEmails)");
            return settings.Managers.Count == 0
                ? AlertDecision.HeldBack($"{FirstOccurrence}; no MANAGERS configured")
                : AlertDecision.Mail(FirstOccurrence, settings.Managers);
        }
        return settings.Admins.Count == 0
            ? AlertDecision.HeldBack($"{FirstOccurrence}; no ADMINS configured")
            : AlertDecision.Mail(FirstOccurrence, settings.Admins);
    }
}
