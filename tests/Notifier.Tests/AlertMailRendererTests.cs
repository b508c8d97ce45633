using System.Text.Json;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.TestSupport;
using MimeKit;

namespace Alerts.Notifier.Tests;

public class AlertMailRendererTests
{
    private static readonly AlertsOptions Settings = new() { EmailSubjectPrefix = "[Alerts] ", ServerEmail = "alerts@example.com" };

    [Fact]
    public void Render_Error_UsesDjangosSubject()
    {
        var mail = Render(EventKind.Error, SampleEvents.Error());

        Assert.Equal("[Alerts] ERROR: Internal Server Error: /orders/17 (ZeroDivisionError: division by zero)", mail.Subject);
    }

    [Theory]
    [InlineData("[Django] ", "[Django] ERROR: ")]
    [InlineData("", "ERROR: ")]
    public void Render_Error_StartsWithTheConfiguredPrefix(string prefix, string expectedStart)
    {
        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(SampleEvents.Error()), new AlertsOptions { EmailSubjectPrefix = prefix });

        Assert.StartsWith(expectedStart, mail.Subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://shop.example.com/blog/", "[Alerts] Broken INTERNAL link on shop.example.com")]
    [InlineData("http://SHOP.example.com/", "[Alerts] Broken INTERNAL link on shop.example.com")]
    [InlineData("https://news.example.org/links", "[Alerts] Broken link on shop.example.com")]
    [InlineData("https://shop.example.com.evil.test/", "[Alerts] Broken link on shop.example.com")]
    public void Render_BrokenLink_SaysInternalOnlyForTheSameHost(string referrer, string expectedSubject)
    {
        var mail = Render(EventKind.BrokenLink, SampleEvents.BrokenLink("/old-page", referrer));

        Assert.Equal(expectedSubject, mail.Subject);
    }

    [Fact]
    public void Render_BrokenLink_BodyHasDjangosLines()
    {
        var mail = Render(EventKind.BrokenLink, SampleEvents.BrokenLink("/old-page?ref=nav", "https://news.example.org/links"));

        var lines = mail.TextBody.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains("Referrer: https://news.example.org/links", lines);
        Assert.Contains("Requested URL: https://shop.example.com/old-page?ref=nav", lines);
        Assert.Contains("User agent: Mozilla/5.0", lines);
        Assert.Contains("IP address: 198.51.100.4", lines);
    }

    [Fact]
    public void Render_Error_BodyHasTracebackRequestAndRelease()
    {
        var mail = Render(EventKind.Error, SampleEvents.Error(line: 42));

        var body = mail.TextBody;
        Assert.Contains("Traceback (most recent call last):", body, StringComparison.Ordinal);
        Assert.Contains("File \"django/core/handlers/base.py\", line 197, in _get_response", body, StringComparison.Ordinal);
        Assert.Contains("File \"shop/views.py\", line 42, in order_detail", body, StringComparison.Ordinal);
        Assert.Contains("return total / count", body, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError: division by zero", body, StringComparison.Ordinal);
        Assert.Contains("URL: https://shop.example.com/orders/17", body, StringComparison.Ordinal);
        Assert.Contains("Method: GET", body, StringComparison.Ordinal);
        Assert.Contains("Referrer: https://shop.example.com/orders/", body, StringComparison.Ordinal);
        Assert.Contains("User agent: Mozilla/5.0", body, StringComparison.Ordinal);
        Assert.Contains("IP address: 203.0.113.9", body, StringComparison.Ordinal);
        Assert.Contains("Environment: production", body, StringComparison.Ordinal);
        Assert.Contains("Release: 1.4.2", body, StringComparison.Ordinal);
        // Traceback order: the outer library frame comes before the app frame that raised.
        Assert.True(body.IndexOf("base.py", StringComparison.Ordinal) < body.IndexOf("shop/views.py", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_WithDashboardUrl_LinksTheIncident()
    {
        var settings = new AlertsOptions { DashboardUrl = "https://alerts.example.com/" };

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(SampleEvents.Error()), settings);

        Assert.Contains("https://alerts.example.com/incidents/7", mail.TextBody, StringComparison.Ordinal);
    }

    public static TheoryData<EventKind, string> InjectedEvents => new()
    {
        { EventKind.Error, """{ "message": "Internal Server Error: /x\r\nBcc: victim@example.com", "exception": { "type": "ValueError", "value": "v" } }""" },
        { EventKind.Error, """{ "exception": { "type": "ValueError\nBcc: victim@example.com", "value": "bad\r\ninput" } }""" },
        { EventKind.Error, """{ "request": { "url": "https://shop.example.com/a\r\nBcc: victim@example.com" }, "exception": { "type": "E" } }""" },
        { EventKind.BrokenLink, """{ "request": { "url": "https://shop.example.com/a\r\nBcc: victim@example.com", "referrer": "https://shop.example.com/\r\nX: y" } }""" },
    };

    [Theory]
    [MemberData(nameof(InjectedEvents))]
    public void Render_LineBreaksInAField_NeverReachTheSubject(EventKind kind, string json)
    {
        var mail = Render(kind, json);

        Assert.DoesNotContain('\r', mail.Subject);
        Assert.DoesNotContain('\n', mail.Subject);

        // What a recipient's mail client sees: one Subject header, no injected Bcc.
        var message = AlertMessageFactory.Create(Notification(mail), Settings);
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        var parsed = MimeMessage.Load(stream);
        Assert.Empty(parsed.Bcc);
        Assert.Equal(["ada@example.com"], parsed.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(mail.Subject, parsed.Subject);
    }

    [Fact]
    public void Render_VeryLongMessage_KeepsTheSubjectShort()
    {
        var json = JsonSerializer.Serialize(new { message = "Internal Server Error: /" + new string('a', 1000) });

        var mail = Render(EventKind.Error, json);

        Assert.True(mail.Subject.Length <= 250, $"subject is {mail.Subject.Length} characters");
        Assert.StartsWith("[Alerts] ERROR: Internal Server Error: /aaa", mail.Subject, StringComparison.Ordinal);
    }

    private static RenderedMail Render(EventKind kind, string json) => AlertMailRenderer.Render(Incident(kind), Parse(json), Settings);

    private static EventPayload Parse(string json) =>
        JsonSerializer.Deserialize(json, EventJsonContext.Default.EventPayload) ?? throw new InvalidOperationException("empty payload");

    private static Incident Incident(EventKind kind) => new()
    {
        Id = 7,
        ProjectId = 1,
        Fingerprint = "0123456789abcdef0123456789abcdef",
        Kind = kind,
        Title = "t",
        Count = 1,
        FirstSeen = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc),
        LastSeen = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc),
    };

    private static Notification Notification(RenderedMail mail) => new()
    {
        Id = 3,
        IncidentId = 7,
        EventId = "e",
        Reason = "first occurrence",
        Recipients = "Ada Admin <ada@example.com>",
        Subject = mail.Subject,
        Body = mail.TextBody,
    };
}
