using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using MimeKit;

namespace Alerts.Notifier.Tests;

public class AlertMessageFactoryTests
{
    private static readonly AlertsOptions Settings = new()
    {
        ServerEmail = "alerts@shop.example.com",
        Projects = [new ProjectOptions { Id = 1, Name = "shop", Key = "testkey-0123456789abcdef" }],
    };

    [Fact]
    public void Create_FirstOccurrence_IsTheIncidentsThreadRoot()
    {
        var message = AlertMessageFactory.Create(Notification(11, incidentId: 7, "first occurrence"), Settings);

        Assert.Equal("incident.7.1@shop.example.com", message.MessageId);
        Assert.Null(message.InReplyTo);
        Assert.Empty(message.References);
    }

    [Theory]
    [InlineData("regression")]
    [InlineData("reached 100 occurrences")]
    [InlineData("12 more occurrences since the last mail")]
    public void Create_LaterMail_HasItsOwnIdAndRepliesToTheThreadRoot(string reason)
    {
        var message = AlertMessageFactory.Create(Notification(12, incidentId: 7, reason), Settings);

        Assert.Equal("alerts.12.project.1@shop.example.com", message.MessageId);
        Assert.Equal("incident.7.1@shop.example.com", message.InReplyTo);
        Assert.Equal(["incident.7.1@shop.example.com"], message.References);
    }

    [Fact]
    public void Create_SameNotificationTwice_HasTheSameMessageId()
    {
        // A retried send must not look like a second mail to the recipient's client.
        var first = AlertMessageFactory.Create(Notification(12, incidentId: 7, "regression"), Settings);
        var retry = AlertMessageFactory.Create(Notification(12, incidentId: 7, "regression"), Settings);

        Assert.Equal(first.MessageId, retry.MessageId);
    }

    [Theory]
    [InlineData("first occurrence")]
    [InlineData("regression")]
    public void MessageIdFor_AnyNotification_IsTheIdItsMailCarries(string reason)
    {
        var n = Notification(12, incidentId: 7, reason);

        Assert.Equal(AlertMessageFactory.Create(n, Settings).MessageId, AlertMessageFactory.MessageIdFor(n, Settings));
    }

    [Fact]
    public void Create_IncidentMail_HasFilteringHeaders()
    {
        var message = AlertMessageFactory.Create(Notification(11, incidentId: 7, "first occurrence"), Settings);

        Assert.Equal("shop <project-1.alerts.shop.example.com>", message.Headers[HeaderId.ListId]);
        Assert.Equal("1", message.Headers["X-Alerts-Project"]);
        Assert.Equal("7", message.Headers["X-Alerts-Incident"]);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
    }

    [Fact]
    public void Create_StormSummary_HasListIdAndProjectButNoIncidentOrThread()
    {
        var message = AlertMessageFactory.Create(Notification(13, incidentId: null, "storm summary"), Settings);

        Assert.Equal("alerts.13.project.1@shop.example.com", message.MessageId);
        Assert.Equal("shop <project-1.alerts.shop.example.com>", message.Headers[HeaderId.ListId]);
        Assert.Equal("1", message.Headers["X-Alerts-Project"]);
        Assert.False(message.Headers.Contains("X-Alerts-Incident"));
        Assert.False(message.Headers.Contains(HeaderId.InReplyTo));
        Assert.False(message.Headers.Contains(HeaderId.References));
    }

    [Fact]
    public void Create_ProjectTheSettingsDoNotName_HasABareListId()
    {
        var message = AlertMessageFactory.Create(Notification(11, incidentId: 7, "first occurrence", projectId: 2), Settings);

        Assert.Equal("<project-2.alerts.shop.example.com>", message.Headers[HeaderId.ListId]);
    }

    [Theory]
    [InlineData("Boutique Été")]
    [InlineData("shop\r\nBcc: evil@example.com")]
    [InlineData("\"quoted\" <shop>")]
    public void Create_AnyProjectName_StaysInsideOneListIdHeader(string name)
    {
        var message = AlertMessageFactory.Create(Notification(11, incidentId: 7, "first occurrence"), Settings, projectName: name);

        var parsed = Reparse(message);
        Assert.Empty(parsed.Bcc);
        Assert.Single(parsed.Headers, h => h.Id == HeaderId.ListId);
        var listId = parsed.Headers[HeaderId.ListId] ?? "";
        Assert.EndsWith(" <project-1.alerts.shop.example.com>", listId, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', listId);
    }

    [Fact]
    public void Create_WithHtml_IsMultipartAlternativeOfTextAndHtml()
    {
        var message = Reparse(AlertMessageFactory.Create(Notification(11, incidentId: 7, "first occurrence"), Settings));

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Equal("text of 11", message.TextBody?.TrimEnd());
        Assert.Equal("<p>html of 11</p>", message.HtmlBody?.TrimEnd());
    }

    [Fact]
    public void Create_WithoutHtml_IsPlainText()
    {
        var n = Notification(13, incidentId: null, "storm summary");
        n.HtmlBody = null;

        var message = AlertMessageFactory.Create(n, Settings);

        Assert.Equal("text/plain", message.Body?.ContentType.MimeType);
    }

    [Fact]
    public void Create_SubjectWithLineBreaks_IsOneLine()
    {
        var n = Notification(11, incidentId: 7, "first occurrence");
        n.Subject = "[Alerts] ERROR: x\r\nBcc: evil@example.com";

        var parsed = Reparse(AlertMessageFactory.Create(n, Settings));

        Assert.Equal("[Alerts] ERROR: x  Bcc: evil@example.com", parsed.Subject);
        Assert.Empty(parsed.Bcc);
    }

    private static MimeMessage Reparse(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    private static Notification Notification(long id, long? incidentId, string reason, long projectId = 1) => new()
    {
        Id = id,
        ProjectId = projectId,
        IncidentId = incidentId,
        Cause = reason == NotificationText.For(NotificationReason.FirstOccurrence) ? NotificationReason.FirstOccurrence : NotificationReason.Regression,
        Reason = reason,
        Recipients = "Ada Admin <ada@example.com>",
        Subject = $"[Alerts] mail {id}",
        Body = $"text of {id}",
        HtmlBody = $"<p>html of {id}</p>",
    };
}
