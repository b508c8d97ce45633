using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Tests;

/// <summary>
/// Incident mails as rendered, built and sent by the notifier (AlertMailRenderer → AlertMessageFactory → SmtpMailSender),
/// checked as a real MailDev received them.
/// </summary>
public class AlertMailOverSmtpTests
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(15);
    private static readonly AlertsOptions Settings = new()
    {
        ServerEmail = "alerts@shop.example.com",
        EmailSubjectPrefix = "[Alerts] ",
        DashboardUrl = "https://alerts.example.com",
        Projects = [new ProjectOptions { Id = 1, Name = "shop", Key = "testkey-0123456789abcdef" }],
    };

    [Fact]
    public async Task SendAsync_FirstMailThenFollowUp_FollowUpThreadsOnTheFirstMail()
    {
        await using var server = await MailDevServer.StartAsync();
        var sender = Sender(server);
        var incident = Incident(count: 1);
        var payload = Parse(SampleEvents.Error());

        Assert.Equal(SendOutcome.Sent, await SendAsync(sender, Notification(11, incident, payload, "first occurrence")));
        incident.Count = 10;
        Assert.Equal(SendOutcome.Sent, await SendAsync(sender, Notification(12, incident, payload, "reached 10 occurrences")));

        var mails = await server.WaitForMailsAsync(2, MailTimeout);
        var first = Assert.Single(mails, m => m.Text?.Contains("Why this mail: first occurrence", StringComparison.Ordinal) == true);
        var followUp = Assert.Single(mails, m => m.Text?.Contains("Why this mail: reached 10 occurrences", StringComparison.Ordinal) == true);
        Assert.NotEqual(first.MessageId, followUp.MessageId);
        Assert.False(first.Headers.ContainsKey("In-Reply-To"));
        Assert.Equal($"<{first.MessageId}>", followUp.Headers["In-Reply-To"]);
        Assert.Equal($"<{first.MessageId}>", followUp.Headers["References"]);
        Assert.All(mails, mail =>
        {
            Assert.Equal("shop <project-1.alerts.shop.example.com>", mail.Headers["List-Id"]);
            Assert.Equal("1", mail.Headers["X-Alerts-Project"]);
            Assert.Equal("7", mail.Headers["X-Alerts-Incident"]);
            Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
            Assert.Contains("\r\nContent-Type: multipart/alternative;", HeaderBlock(mail), StringComparison.Ordinal);
            Assert.Contains("ZeroDivisionError: division by zero", mail.Text, StringComparison.Ordinal);
            Assert.Contains("<a href=\"https://alerts.example.com/incidents/7\"", mail.Html, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task SendAsync_HostileFields_ArriveWithoutExtraHeadersRecipientsOrLiveMarkup()
    {
        const string Injection = "\r\nBcc: evil@example.com";
        const string Script = "<script>alert(1)</script>";
        var json = JsonSerializer.Serialize(new
        {
            message = "Internal Server Error: /x" + Injection,
            exception = new { type = "ValueError" + Injection, value = Script + Injection },
            request = new
            {
                url = "https://shop.example.com/a" + Injection,
                method = "GET",
                userAgent = "Mozilla/5.0" + Injection,
                referrer = "https://shop.example.com/" + Injection,
            },
            tags = new Dictionary<string, string> { ["customer" + Injection] = "acme" + Injection },
        });
        await using var server = await MailDevServer.StartAsync();

        Assert.Equal(SendOutcome.Sent, await SendAsync(Sender(server), Notification(11, Incident(count: 1), Parse(json), "first occurrence")));

        var mail = Assert.Single(await server.WaitForMailsAsync(1, MailTimeout));
        Assert.Equal(["ada@example.com"], await EnvelopeRecipientsAsync(server, mail.MessageId));
        Assert.Equal(["ada@example.com"], mail.To);
        Assert.False(mail.Headers.ContainsKey("Bcc"));
        // Folded header lines start with white space: a line that starts with "Bcc:" would be a header of its own.
        Assert.DoesNotMatch(new Regex("^Bcc:", RegexOptions.Multiline | RegexOptions.IgnoreCase), HeaderBlock(mail));
        Assert.Equal("[Alerts] ERROR (EXTERNAL IP): Internal Server Error: /x  Bcc: evil@example.com (ValueError  Bcc: evil@example.com: "
            + "<script>alert(1)</script>  Bcc: evil@example.com)", mail.Subject);
        Assert.DoesNotContain("<script", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", mail.Html, StringComparison.Ordinal);
    }

    private static string HeaderBlock(ReceivedMail mail) => mail.Raw[..mail.Raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)];

    private static SmtpMailSender Sender(MailDevServer server) =>
        new(Options.Create(new EmailOptions { Host = "127.0.0.1", Port = server.SmtpPort }), NullLogger<SmtpMailSender>.Instance);

    private static async Task<SendOutcome> SendAsync(SmtpMailSender sender, Notification n) =>
        Assert.Single(await sender.SendAsync([AlertMessageFactory.Create(n, Settings)], CancellationToken.None).ToListAsync()).Outcome;

    /// <summary>Who the mail really went to (RCPT TO), whatever its headers say.</summary>
    private static async Task<IReadOnlyList<string>> EnvelopeRecipientsAsync(MailDevServer server, string messageId)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri($"http://127.0.0.1:{server.WebPort.ToString(CultureInfo.InvariantCulture)}/api/email");
        using var listing = JsonDocument.Parse(await http.GetStringAsync(url));
        var email = listing.RootElement.EnumerateArray().Single(e =>
            e.GetProperty("headers").TryGetProperty("message-id", out var id) && id.GetString()?.Trim('<', '>') == messageId);
        return [.. email.GetProperty("envelope").GetProperty("to").EnumerateArray().Select(to => to.GetProperty("address").GetString()!)];
    }

    private static Notification Notification(long id, Incident incident, EventPayload payload, string reason)
    {
        var mail = AlertMailRenderer.Render(incident, payload, Settings, reason);
        return new Notification
        {
            Id = id,
            ProjectId = incident.ProjectId,
            IncidentId = incident.Id,
            Cause = reason == NotificationText.For(NotificationReason.FirstOccurrence) ? NotificationReason.FirstOccurrence : NotificationReason.Regression,
            Reason = reason,
            Recipients = "Ada Admin <ada@example.com>",
            Subject = mail.Subject,
            Body = mail.TextBody,
            HtmlBody = mail.HtmlBody,
        };
    }

    private static Incident Incident(long count) => new()
    {
        Id = 7,
        ProjectId = 1,
        Fingerprint = "0123456789abcdef0123456789abcdef",
        Kind = EventKind.Error,
        Title = "ZeroDivisionError: division by zero",
        Count = count,
        FirstSeen = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc),
        LastSeen = new DateTime(2026, 11, 23, 10, 5, 0, DateTimeKind.Utc),
    };

    private static EventPayload Parse(string json) =>
        JsonSerializer.Deserialize(json, EventJsonContext.Default.EventPayload) ?? throw new InvalidOperationException("empty payload");
}
