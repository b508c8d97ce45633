using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Notifier.Tests;

public sealed class FileMailSenderTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "alerts-filemail-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SendAsync_TwoMessages_WritesOneParseableEmlEach()
    {
        var settings = new AlertsOptions { ServerEmail = "alerts@shop.example.com" };
        var sender = new FileMailSender(Options.Create(new EmailOptions { Backend = EmailBackend.File, FilePath = directory }), TimeProvider.System);
        var messages = new[]
        {
            AlertMessageFactory.Create(Notification(1, 7, "[Alerts] ERROR: Internal Server Error: /orders/17", "Ada Admin <ada@example.com>"), settings),
            AlertMessageFactory.Create(Notification(2, 8, "[Alerts] Broken link on shop.example.com", "max@example.com, Ada <ada@example.com>"), settings),
        };

        var results = await sender.SendAsync(messages, CancellationToken.None).ToListAsync();

        Assert.All(results, r => Assert.Equal(SendOutcome.Sent, r.Outcome));
        var files = Directory.GetFiles(directory, "*.eml");
        Assert.Equal(2, files.Length);
        var written = files.Select(f => MimeMessage.Load(f)).OrderBy(m => m.Subject, StringComparer.Ordinal).ToList();
        Assert.Equal("[Alerts] Broken link on shop.example.com", written[0].Subject);
        Assert.Equal(["max@example.com", "ada@example.com"], written[0].To.Mailboxes.Select(m => m.Address));
        Assert.Equal("[Alerts] ERROR: Internal Server Error: /orders/17", written[1].Subject);
        Assert.Equal(["ada@example.com"], written[1].To.Mailboxes.Select(m => m.Address));
        Assert.Equal("alerts@shop.example.com", written[1].From.Mailboxes.Single().Address);
        Assert.Equal("body of 1", written[1].TextBody?.TrimEnd());
        Assert.Equal("incident.7.1@shop.example.com", written[1].MessageId);
    }

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static Notification Notification(long id, long incidentId, string subject, string recipients) => new()
    {
        Id = id,
        ProjectId = 1,
        IncidentId = incidentId,
        EventId = "e" + id,
        Cause = NotificationReason.FirstOccurrence,
        Reason = "first occurrence",
        Recipients = recipients,
        Subject = subject,
        Body = $"body of {id}",
    };
}
