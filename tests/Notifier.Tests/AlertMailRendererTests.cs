using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
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

        Assert.Equal("[Alerts] ERROR (EXTERNAL IP): Internal Server Error: /orders/17 (ZeroDivisionError: division by zero)", mail.Subject);
    }

    [Theory]
    [InlineData("[Django] ", "[Django] ERROR (EXTERNAL IP): ")]
    [InlineData("", "ERROR (EXTERNAL IP): ")]
    public void Render_Error_StartsWithTheConfiguredPrefix(string prefix, string expectedStart)
    {
        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(SampleEvents.Error()), new AlertsOptions { EmailSubjectPrefix = prefix }, FirstOccurrence);

        Assert.StartsWith(expectedStart, mail.Subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://shop.example.com/blog/", "[Alerts] Broken INTERNAL link on shop.example.com")]
    [InlineData("http://SHOP.example.com/", "[Alerts] Broken link on shop.example.com")] // Django matches the host case-sensitively
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
        Assert.Contains("  Environment = production", body, StringComparison.Ordinal);
        Assert.Contains("  Release = 1.4.2", body, StringComparison.Ordinal);
        Assert.Contains("  Server time = ", body, StringComparison.Ordinal);
        // Traceback order: the outer library frame comes before the app frame that raised.
        Assert.True(body.IndexOf("base.py", StringComparison.Ordinal) < body.IndexOf("shop/views.py", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_ExceptionWithCauses_ShowsTheChainCausesFirst()
    {
        var e = Parse(SampleEvents.Error(type: "ValueError", value: "bad order"));
        e.Causes = [new ExceptionInfo { Type = "KeyError", Value = "'sku'", Chaining = ExceptionChaining.Cause, Frames = [new FrameInfo { Filename = "shop/cart.py", Function = "lookup", Lineno = 7, InApp = true }] }];

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), e, new AlertsOptions(), FirstOccurrence);

        var cause = mail.TextBody.IndexOf("KeyError: 'sku'", StringComparison.Ordinal);
        var link = mail.TextBody.IndexOf("The above exception was the direct cause of the following exception:", StringComparison.Ordinal);
        var raised = mail.TextBody.IndexOf("ValueError: bad order", StringComparison.Ordinal);
        Assert.True(cause >= 0 && cause < link && link < raised, mail.TextBody);
        Assert.Contains("File \"shop/cart.py\", line 7, in lookup", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Exception chain", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("KeyError", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("The above exception was the direct cause of the following exception:", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ExceptionChaining.Context, "During handling of the above exception, another exception occurred:")]
    [InlineData(ExceptionChaining.Cause, "The above exception was the direct cause of the following exception:")]
    [InlineData(ExceptionChaining.Unknown, "The above exception led to the following exception:")]
    public void Render_ChainedException_SaysWhatPythonWouldBetweenTheTwo(ExceptionChaining chaining, string line)
    {
        var e = Parse(SampleEvents.Error(type: "LookupError", value: "no stock"));
        e.Causes = [new ExceptionInfo { Type = "KeyError", Value = "3", Chaining = chaining }];

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), e, new AlertsOptions(), FirstOccurrence);

        Assert.Contains("KeyError: 3\n\n" + line + "\n\nTraceback (most recent call last):", mail.TextBody.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(line), mail.HtmlBody, StringComparison.Ordinal);
    }

    /// <summary>Django's AdminEmailHandler subject: level, the request's IP marker, the log line; Alerts adds the exception.</summary>
    [Theory]
    [InlineData("/orders/{order_id}/", null, "203.0.113.9", "ERROR (EXTERNAL IP): Internal Server Error: /orders/{order_id}/ (ZeroDivisionError: division by zero)")]
    [InlineData(null, null, "203.0.113.9", "ERROR (EXTERNAL IP): Internal Server Error: /orders/17/ (ZeroDivisionError: division by zero)")]
    [InlineData("/orders/{order_id}/", null, "10.0.0.5", "ERROR (internal IP): Internal Server Error: /orders/{order_id}/ (ZeroDivisionError: division by zero)")]
    [InlineData("/orders/{order_id}/", "Payment failed", "10.0.0.5", "ERROR (internal IP): Payment failed (ZeroDivisionError: division by zero)")]
    public void ErrorSubject_SdkEventInARequest_ReadsAsDjangosLogLine(string? transaction, string? message, string remoteAddr, string expected)
    {
        var e = new EventPayload
        {
            Level = "error", Transaction = transaction, Message = message,
            Exception = new ExceptionInfo { Type = "ZeroDivisionError", Value = "division by zero" },
            Request = new RequestInfo { Url = "https://shop.example.com/orders/17/", QueryString = "x=1", RemoteAddr = remoteAddr },
        };

        Assert.Equal(expected, AlertMailRenderer.ErrorSubject(e, ["127.0.0.1", "10.0.0.5"]));
    }

    [Fact]
    public void ErrorSubject_NoRequest_HasNoIpMarker() =>
        Assert.Equal("WARNING: Order export took 31 s", AlertMailRenderer.ErrorSubject(new EventPayload { Level = "warning", Message = "Order export took 31 s" }));

    [Fact]
    public void Render_SdkEvent_ShowsQueryStringLocalsFormCookiesHeadersUserAndRuntimeInBothParts()
    {
        var e = JsonSerializer.Deserialize<EventPayload>("""
            { "level": "error", "transaction": "/orders/{order_id}/", "runtime": "CPython 3.11.2", "os": "Linux 6.1",
              "modules": { "django": "3.2.25" },
              "exception": { "type": "ZeroDivisionError", "value": "division by zero",
                             "frames": [ { "filename": "shop.py", "function": "order_detail", "lineno": 70, "inApp": true, "vars": { "order_id": "17", "lines": "0" } } ] },
              "request": { "url": "http://shop.example.com/orders/17/", "queryString": "x=1", "method": "POST",
                           "cookies": { "theme": "dark" }, "headers": { "Accept-Language": "en-GB" }, "data": { "amount": "12.50" } },
              "user": { "id": "42", "username": "grace" } }
            """, JsonSerializerOptions.Web)!;

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), e, new AlertsOptions(), FirstOccurrence);

        foreach (var part in new[] { mail.TextBody, WebUtility.HtmlDecode(mail.HtmlBody) })
        {
            foreach (var shown in new[] { "http://shop.example.com/orders/17/?x=1", "order_id", "lines", "amount", "12.50", "theme", "dark",
                         "Accept-Language", "en-GB", "grace", "CPython 3.11.2", "Linux 6.1", "django", "3.2.25", "Server time" })
                Assert.Contains(shown, part, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_HugeDetails_AreBoundedPerTableAndValue()
    {
        var e = Parse(SampleEvents.Error());
        e.Request!.Headers = Enumerable.Range(0, 500).ToDictionary(i => $"X-H{i:D3}", _ => new string('v', 5000));

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), e, new AlertsOptions(), FirstOccurrence);

        Assert.Contains("X-H049", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("X-H050", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("(450 more not shown)", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('v', EventDetails.MaxValue + 1), mail.TextBody, StringComparison.Ordinal);
        Assert.True(mail.TextBody.Length < 60_000, $"text part is {mail.TextBody.Length} characters");
    }

    [Fact]
    public void Render_WithDashboardUrl_LinksTheIncident()
    {
        var settings = new AlertsOptions { DashboardUrl = "https://alerts.example.com/" };

        var mail = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(SampleEvents.Error()), settings, FirstOccurrence);

        Assert.Contains("https://alerts.example.com/incidents/7", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<a href=\"https://alerts.example.com/incidents/7\"", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_WithoutDashboardUrl_HasNoLink()
    {
        var mail = Render(EventKind.Error, SampleEvents.Error());

        Assert.DoesNotContain("/incidents/", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<a ", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EventKind.Error)]
    [InlineData(EventKind.BrokenLink)]
    public void Render_AnyMail_SaysWhyItWasSentAndHowOftenItHappened(EventKind kind)
    {
        var incident = Incident(kind);
        incident.Count = 100;
        incident.LastSeen = new DateTime(2026, 11, 23, 11, 30, 5, DateTimeKind.Utc);
        var json = kind == EventKind.Error ? SampleEvents.Error() : SampleEvents.BrokenLink();

        var mail = AlertMailRenderer.Render(incident, Parse(json), Settings, "reached 100 occurrences");

        Assert.Contains("Why this mail: reached 100 occurrences", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("100 occurrence(s), first seen 2026-11-23 10:00:00 UTC, last seen 2026-11-23 11:30:05 UTC", mail.TextBody, StringComparison.Ordinal);
        var html = Text(mail.HtmlBody);
        Assert.Contains("Why this mail reached 100 occurrences", html, StringComparison.Ordinal);
        Assert.Contains("Occurrences 100 First seen 2026-11-23 10:00:00 UTC Last seen 2026-11-23 11:30:05 UTC", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Error_HtmlHasEveryField()
    {
        var json = """
            {
              "environment": "production", "release": "1.4.2", "serverName": "web-1",
              "message": "Internal Server Error: /orders/17",
              "exception": { "type": "PaymentError", "value": "card declined", "module": "shop.payments",
                             "frames": [ { "filename": "django/core/handlers/base.py", "function": "_get_response", "lineno": 197, "inApp": false },
                                         { "filename": "shop/views.py", "function": "order_detail", "lineno": 42, "inApp": true,
                                           "contextLine": "    charge(card)" } ] },
              "request": { "url": "https://shop.example.com/orders/17", "method": "POST",
                           "referrer": "https://shop.example.com/cart/", "userAgent": "Mozilla/5.0 (X11)", "remoteAddr": "203.0.113.9" },
              "tags": { "customer": "acme", "browser": "Firefox" }
            }
            """;
        var settings = new AlertsOptions { Projects = [new ProjectOptions { Id = 1, Name = "shop", Key = "k" }] };

        var html = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(json), settings, "regression").HtmlBody;

        var text = Text(html);
        foreach (var expected in new[]
        {
            "shop.payments.PaymentError", "card declined", "Module shop.payments", "Internal Server Error: /orders/17",
            "django/core/handlers/base.py, line 197, in _get_response", "shop/views.py, line 42, in order_detail",
            "charge(card)",
            "Method POST", "URL https://shop.example.com/orders/17", "Referrer https://shop.example.com/cart/",
            "User agent Mozilla/5.0 (X11)", "IP address 203.0.113.9",
            "browser Firefox", "customer acme",
            "Environment production", "Release 1.4.2", "Server web-1",
            "Incident #7 in project shop (1)", "Occurrences 1", "Why this mail regression",
        })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Error_HighlightsOnlyTheAppFrames()
    {
        var html = Render(EventKind.Error, SampleEvents.Error()).HtmlBody;

        Assert.Single(Regex.Matches(html, ">app</span>"));
        var app = html.IndexOf("order_detail", StringComparison.Ordinal);
        Assert.True(html.IndexOf(">app</span>", StringComparison.Ordinal) > app, "the badge follows the app frame's function");
        Assert.Contains("<strong>order_detail</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<strong>_get_response</strong>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BrokenLink_HtmlHasDjangosLines()
    {
        var html = Render(EventKind.BrokenLink, SampleEvents.BrokenLink("/old-page?ref=nav", "https://news.example.org/links")).HtmlBody;

        var text = Text(html);
        Assert.Contains("Broken link on shop.example.com", text, StringComparison.Ordinal);
        Assert.Contains("Referrer https://news.example.org/links", text, StringComparison.Ordinal);
        Assert.Contains("Requested URL https://shop.example.com/old-page?ref=nav", text, StringComparison.Ordinal);
        Assert.Contains("User agent Mozilla/5.0", text, StringComparison.Ordinal);
        Assert.Contains("IP address 198.51.100.4", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MarkupInAnyField_IsEscapedInTheHtml()
    {
        const string Script = "<script>alert(1)</script>";
        var json = JsonSerializer.Serialize(new
        {
            message = Script,
            release = Script,
            environment = Script,
            serverName = Script,
            exception = new
            {
                type = "E" + Script,
                value = Script,
                module = Script,
                frames = new[] { new { filename = Script, function = Script, module = Script, inApp = true, contextLine = Script } },
            },
            request = new { url = "javascript:alert(1)//" + Script, method = Script, referrer = Script, userAgent = Script, remoteAddr = Script },
            tags = new Dictionary<string, string> { [Script] = Script },
        });
        var settings = new AlertsOptions { Projects = [new ProjectOptions { Id = 1, Name = Script, Key = "k" }] };

        var html = AlertMailRenderer.Render(Incident(EventKind.Error), Parse(json), settings, Script).HtmlBody;

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        // Every field came through as text: 13 places in the event, the project name and the reason.
        Assert.True(Regex.Count(html, "&lt;script&gt;") >= 15, html);
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

    private const string FirstOccurrence = "first occurrence";

    private static RenderedMail Render(EventKind kind, string json) => AlertMailRenderer.Render(Incident(kind), Parse(json), Settings, FirstOccurrence);

    /// <summary>The HTML as a reader sees it: tags dropped, entities decoded, whitespace collapsed.</summary>
    private static string Text(string html) =>
        Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", " ")), @"\s+", " ").Replace(" ,", ",", StringComparison.Ordinal);

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
        HtmlBody = mail.HtmlBody,
    };
}
