using Alerts.Core.Domain;
using Alerts.Core.Options;
using MimeKit;

namespace Alerts.Notifier.Mail;

/// <summary>Turns an outbox row into a MIME message with stable ids, so mail clients thread an incident's mails.</summary>
public static class AlertMessageFactory
{
    public static MimeMessage Create(Notification n, AlertsOptions settings)
    {
        var domain = DomainOf(settings.ServerEmail);
        var message = new MimeMessage
        {
            Subject = n.Subject,
            MessageId = $"alerts.{n.Id}.project.{n.ProjectId}@{domain}",
            Body = new TextPart("plain") { Text = n.Body },
        };
        message.From.Add(MailboxAddress.Parse(settings.ServerEmail));
        message.To.AddRange(InternetAddressList.Parse(n.Recipients));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        if (n.IncidentId is { } incident)
            message.Headers.Add("X-Alerts-Incident", incident.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return message;
    }

    /// <summary>A plain message from ServerEmail, as Django's mail_admins sends.</summary>
    public static MimeMessage CreatePlain(string subject, string body, IEnumerable<InternetAddress> to, AlertsOptions settings)
    {
        var message = new MimeMessage { Subject = settings.EmailSubjectPrefix + subject, Body = new TextPart("plain") { Text = body } };
        message.From.Add(MailboxAddress.Parse(settings.ServerEmail));
        message.To.AddRange(to);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    public static string FormatRecipients(IEnumerable<Recipient> recipients) =>
        new InternetAddressList(recipients.Select(r => new MailboxAddress(r.Name, r.Email))).ToString();

    private static string DomainOf(string email)
    {
        var at = email.LastIndexOf('@');
        return at >= 0 && at < email.Length - 1 ? email[(at + 1)..].Trim('>', ' ') : "localhost";
    }
}
