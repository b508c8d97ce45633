using System.Globalization;
using Alerts.Core.Events;

namespace Alerts.Core.Domain;

/// <summary>
/// The words of a typed reason, shown in mails, the Dashboard and its API: the one place a reason becomes text.
/// The figures (a ladder's rung, the cap in force) are the decision's, so the text is written once, with the row.
/// </summary>
public static class NotificationText
{
    /// <param name="count">The ladder's rung, or how many more occurrences; unused by other reasons.</param>
    /// <param name="detail">What else the reader should know: the rule that held a link back, the noise a mailed probe is.</param>
    public static string For(NotificationReason reason, long count = 0, NotificationHold hold = NotificationHold.None, Hold? held = null,
        string? detail = null)
    {
        var text = reason switch
        {
            NotificationReason.Ladder => string.Create(CultureInfo.InvariantCulture, $"reached {count} occurrences"),
            NotificationReason.MoreSinceLastMail => string.Create(CultureInfo.InvariantCulture, $"{count} more occurrences since the last mail"),
            NotificationReason.HeldBack => $"held back: {detail}",
            _ => Label(reason),
        };
        if (hold != NotificationHold.None) text = $"{text}; {HoldText(hold, held ?? new Hold())}";
        return reason != NotificationReason.HeldBack && !string.IsNullOrEmpty(detail) ? $"{text}; {detail}" : text;
    }

    /// <summary>The reason in a word or two, without figures: what a list of many rows (the digest) says of each.</summary>
    public static string Label(NotificationReason reason) => reason switch
    {
        NotificationReason.FirstOccurrence => "first occurrence",
        NotificationReason.FirstInternalReferrer => "first internal referrer",
        NotificationReason.Regression => "regression",
        NotificationReason.Ladder => "occurrence ladder",
        NotificationReason.MoreSinceLastMail => "more occurrences since the last mail",
        NotificationReason.HeldBack => "held back",
        NotificationReason.StormSummary => "storm summary",
        NotificationReason.BrokenLinkDigest => "broken-link digest",
        NotificationReason.ActionFromMail => "action from mail",
        NotificationReason.Recovered => "recovered",
        _ => "unknown",
    };

    private static string HoldText(NotificationHold hold, Hold h) => hold switch
    {
        NotificationHold.BrokenLinkMailOff => "broken-link mail is off (SendBrokenLinkEmails)",
        NotificationHold.NoRecipients => $"no {RecipientGroup(h.Kind)} configured",
        NotificationHold.InDigest => "in digest",
        NotificationHold.BelowMailLevel => "below the mail level (MailLevel)",
        NotificationHold.ProjectCap => string.Create(CultureInfo.InvariantCulture, $"project cap reached ({h.Cap} mails in {h.CapWindowMinutes} min)"),
        _ => "",
    };

    /// <summary>Who hears of an incident of this kind, in Django's words.</summary>
    public static string RecipientGroup(EventKind kind) => kind == EventKind.BrokenLink ? "MANAGERS" : "ADMINS";

    /// <summary>The figures a hold's words name: whose list was empty, the cap in force.</summary>
    public sealed record Hold(EventKind Kind = EventKind.Error, int Cap = 0, int CapWindowMinutes = 0);
}
