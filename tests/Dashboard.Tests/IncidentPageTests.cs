using System.Net;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Tests;

public sealed partial class IncidentPageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task IncidentPage_AfterTheFirstMail_ShowsTheErrorAndTheMailSent()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.Error());
        var id = await WaitForMailAsync(app, NotificationStatus.Sent);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");

        Assert.Contains("ZeroDivisionError", page, StringComparison.Ordinal);
        Assert.Contains("division by zero", page, StringComparison.Ordinal);
        Assert.Contains("https://shop.example.com/orders/17", page, StringComparison.Ordinal);
        Assert.Contains("Mozilla/5.0", page, StringComparison.Ordinal);
        Assert.Contains("203.0.113.9", page, StringComparison.Ordinal);
        Assert.Contains("1.4.2", page, StringComparison.Ordinal);
        var inApp = Assert.Single(InAppFrames().Matches(page)).Value;
        Assert.Contains("shop/views.py, line 42, in order_detail", inApp, StringComparison.Ordinal);
        Assert.Contains("return total / count", inApp, StringComparison.Ordinal);
        var mail = Assert.Single(MailRows().Matches(page)).Value;
        Assert.Contains(">sent<", mail, StringComparison.Ordinal);
        Assert.Contains("first occurrence", mail, StringComparison.Ordinal);
        Assert.Contains("ada@example.com", mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentPage_BrokenLinkMailOff_ShowsTheMailHeldBackAndWhy()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:SendBrokenLinkEmails"] = "false" });
        await PostAsync(app, SampleEvents.BrokenLink());
        var id = await WaitForMailAsync(app, NotificationStatus.Skipped);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");

        Assert.Contains("Broken link: /old-page", page, StringComparison.Ordinal);
        Assert.Contains("https://shop.example.com/blog/", page, StringComparison.Ordinal);
        var mail = Assert.Single(MailRows().Matches(page)).Value;
        Assert.Contains(">held back<", mail, StringComparison.Ordinal);
        Assert.Contains("first occurrence", mail, StringComparison.Ordinal);
        Assert.Contains("SendBrokenLinkEmails", mail, StringComparison.Ordinal);
        Assert.Empty(app.Mails());
    }

    [Fact]
    public async Task IncidentPage_ScriptInExceptionValue_IsShownAsText()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.Error(type: "XssError", value: "<script>alert(1)</script>"));
        var id = await WaitForMailAsync(app, NotificationStatus.Sent);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");

        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task IncidentPage_UnknownId_Is404WithAWayBack()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var client = await DashboardSession.SignedInClientAsync(app);

        var response = await client.GetAsync("/incidents/9999");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("Incident not found", page, StringComparison.Ordinal);
        Assert.Contains("Back to the incident list", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentPage_WithoutLogin_RedirectsToLogin()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var client = DashboardSession.AnonymousClient(app);

        var response = await client.GetAsync("/incidents/1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?ReturnUrl=%2Fincidents%2F1", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task IncidentList_Title_LinksToTheDetailPage()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, SampleEvents.Error());
        var id = await WaitForMailAsync(app, NotificationStatus.Sent);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var list = await client.GetStringAsync("/");

        Assert.Contains($"<a href=\"/incidents/{id}\">ZeroDivisionError: division by zero</a>", list, StringComparison.Ordinal);
        Assert.Contains("<h1 class=\"incident-title\">ZeroDivisionError: division by zero</h1>",
            await client.GetStringAsync($"/incidents/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentPage_ShowsTheExceptionChain_CausesFirst_WithContextLines_AndTheUser()
    {
        await using var app = await AlertsTestApp.StartAsync();
        await PostAsync(app, """
            { "kind": "error", "release": "2.0.0", "user": { "email": "carol@example.com" },
              "causes": [ { "type": "ConnectionRefusedError", "value": "[Errno 111] Connection refused", "chaining": "cause",
                            "frames": [ { "filename": "shop/db.py", "lineno": 7, "inApp": true, "contextLine": "    sock.connect(addr)",
                                          "preContext": ["def open(addr):"], "postContext": ["    return sock"] } ] } ],
              "exception": { "type": "OperationalError", "value": "could not connect",
                             "frames": [ { "filename": "shop/views.py", "lineno": 3, "inApp": true } ] } }
            """);
        var id = await WaitForMailAsync(app, NotificationStatus.Sent);
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync($"/incidents/{id}");

        var cause = page.IndexOf("ConnectionRefusedError", StringComparison.Ordinal);
        var between = page.IndexOf("The above exception was the direct cause of the following exception:", StringComparison.Ordinal);
        var raised = page.IndexOf("<strong class=\"exception-type\">OperationalError", StringComparison.Ordinal);
        Assert.True(cause > 0 && cause < between && between < raised, "the cause, then the sentence, then the exception raised");
        var frame = InAppFrames().Matches(page)[0].Value;
        Assert.Contains("def open(addr):", frame, StringComparison.Ordinal);
        Assert.Contains("<span class=\"line\">    sock.connect(addr)</span>", frame, StringComparison.Ordinal);
        Assert.Contains("return sock", frame, StringComparison.Ordinal);
        Assert.Contains("<dd>carol@example.com</dd>", page, StringComparison.Ordinal);
        Assert.Contains("2.0.0", page, StringComparison.Ordinal);
    }

    private static async Task PostAsync(AlertsTestApp app, string json)
    {
        var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>Waits for the incident's first mail to reach <paramref name="status"/>; returns the incident's id.</summary>
    private static Task<long> WaitForMailAsync(AlertsTestApp app, NotificationStatus status) =>
        Wait.UntilValueAsync(() => app.QueryAsync(db => db.Notifications.Where(n => n.Status == status).Select(n => n.IncidentId).FirstOrDefaultAsync()),
            Timeout, $"a mail {status}");

    [GeneratedRegex("<tr data-notification=\"\\d+\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex MailRows();

    [GeneratedRegex("<li class=\"frame in-app\">.*?</li>", RegexOptions.Singleline)]
    private static partial Regex InAppFrames();
}
