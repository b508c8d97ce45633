using System.Globalization;
using System.Text;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using MimeKit;
using MimeKit.Utils;

namespace Alerts.Notifier.Mail;

/// <summary>Turns an outbox row into a MIME message with stable ids, so mail clients thread an incident's mails.</summary>
public static class AlertMessageFactory
{
    private const int MaxSubject = 250;

    /// <param name="projectName">The project's name for the List-Id phrase; by default the one <c>Alerts:Projects</c> gives.</param>
    /// <param name="unsubscribe">The signed RFC 8058 one-click address that snoozes the incident for its list; none leaves the headers out.</param>
    public static MimeMessage Create(Notification n, AlertsOptions settings, string? projectName = null, Uri? unsubscribe = null)
    {
        var domain = DomainOf(settings.ServerEmail);
        var body = new BodyBuilder { TextBody = n.Body, HtmlBody = n.HtmlBody };
        var message = new MimeMessage
        {
            // Rendering already made it one line; a row written by anything else must not smuggle in a header either.
            Subject = IncidentTitle.OneLine(n.Subject, MaxSubject),
            // Text alone, or multipart/alternative with the HTML part last (the one a client prefers).
            Body = body.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse(settings.ServerEmail));
        message.To.AddRange(InternetAddressList.Parse(n.Recipients));

        message.MessageId = MessageIdFor(n, settings);
        if (n.IncidentId is { } incidentId && !IsThreadRoot(n))
        {
            // Every later mail of an incident hangs off the root id, which needs no lookup: it threads
            // even when the first mail was held back or never sent.
            var root = ThreadRootId(incidentId, n.ProjectId, domain);
            message.InReplyTo = root;
            message.References.Add(root);
        }

        message.Headers.Add(ListIdHeader(n.ProjectId, projectName ?? AlertMailContent.ProjectNameOf(settings, n.ProjectId), domain));
        message.Headers.Add("X-Alerts-Project", n.ProjectId.ToString(CultureInfo.InvariantCulture));
        if (n.IncidentId is { } incident)
            message.Headers.Add("X-Alerts-Incident", incident.ToString(CultureInfo.InvariantCulture));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        if (unsubscribe is not null)
        {
            // RFC 8058: a mail client's "Unsubscribe" posts List-Unsubscribe=One-Click to this address, without opening a page.
            message.Headers.Add(HeaderId.ListUnsubscribe, $"<{unsubscribe.AbsoluteUri}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        return message;
    }

    /// <summary>
    /// The notification's Message-ID (without angle brackets), the same on every attempt: the incident's thread root
    /// for its first-occurrence mail, <c>alerts.{notification}.project.{project}@{domain}</c> for any other.
    /// </summary>
    public static string MessageIdFor(Notification n, AlertsOptions settings)
    {
        var domain = DomainOf(settings.ServerEmail);
        return n.IncidentId is { } incidentId && IsThreadRoot(n)
            ? ThreadRootId(incidentId, n.ProjectId, domain)
            : string.Create(CultureInfo.InvariantCulture, $"alerts.{n.Id}.project.{n.ProjectId}@{domain}");
    }

    /// <summary>The id every mail about one incident refers to: <c>incident.{id}.{project}@{ServerEmail's domain}</c>.</summary>
    private static string ThreadRootId(long incidentId, long projectId, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"incident.{incidentId}.{projectId}@{domain}");

    /// <summary>A plain message from ServerEmail, as Django's mail_admins sends.</summary>
    public static MimeMessage CreatePlain(string subject, string body, IEnumerable<InternetAddress> to, AlertsOptions settings)
    {
        var message = new MimeMessage { Subject = settings.EmailSubjectPrefix + subject, Body = new TextPart("plain") { Text = body } };
        message.From.Add(MailboxAddress.Parse(settings.ServerEmail));
        message.To.AddRange(to);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    /// <summary>Everyone any of the held-back rows was meant for, once each: who a summary of them goes to ("" for nobody).</summary>
    public static string MergeRecipients(IEnumerable<Notification> held) =>
        new InternetAddressList(held.SelectMany(n => InternetAddressList.Parse(n.Recipients).Mailboxes)
            .DistinctBy(m => m.Address, StringComparer.OrdinalIgnoreCase)).ToString();

    public static string FormatRecipients(IEnumerable<Recipient> recipients) =>
        new InternetAddressList(recipients.Select(r => new MailboxAddress(r.Name, r.Email))).ToString();

    private static bool IsThreadRoot(Notification n) =>
        n.IncidentId is not null && n.Cause == NotificationReason.FirstOccurrence;

    /// <summary><c>List-Id: "shop" &lt;project-1.alerts.example.com&gt;</c> (RFC 2919), so a filter can pick one project's mail.</summary>
    private static Header ListIdHeader(long projectId, string? projectName, string domain)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"<project-{projectId}.alerts.{domain}>");
        var header = new Header(HeaderId.ListId, id);
        if (!string.IsNullOrWhiteSpace(projectName))
        {
            // The phrase is encoded as RFC 2047 words where it needs it; control characters never get that far.
            var phrase = Rfc2047.EncodePhrase(Encoding.UTF8, IncidentTitle.OneLine(projectName, 100));
            header.SetRawValue([.. Encoding.ASCII.GetBytes(" "), .. phrase, .. Encoding.ASCII.GetBytes($" {id}\r\n")]);
        }
        return header;
    }

    private static string DomainOf(string email)
    {
        var at = email.LastIndexOf('@');
        return at >= 0 && at < email.Length - 1 ? email[(at + 1)..].Trim('>', ' ') : "localhost";
    }
}
