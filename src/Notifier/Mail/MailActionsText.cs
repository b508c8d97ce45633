using System.Text;

namespace Alerts.Notifier.Mail;

/// <summary>The signed action links in a mail's text part, the same as the HTML part's <c>MailActions</c>.</summary>
internal static class MailActionsText
{
    public static void Append(StringBuilder sb, IReadOnlyList<MailActionLink> actions)
    {
        if (actions.Count == 0) return;
        sb.AppendLine();
        foreach (var action in actions) sb.Append(action.Label).Append(": ").AppendLine(action.Url.AbsoluteUri);
        sb.Append("These links work without a login until ").Append(AlertMailContent.Timestamp(actions[0].ExpiresAt)).AppendLine("; each asks you to confirm.");
    }
}
