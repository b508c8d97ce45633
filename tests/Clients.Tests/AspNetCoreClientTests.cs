using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Alerts.Core.Events;
using Alerts.TestSupport;
using AspNetCoreShop;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Alerts.Clients.Tests;

/// <summary>The sample shop with the ASP.NET Core client, reporting to a real Alerts host in the same process.</summary>
public sealed class AspNetCoreClientTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a page may take while the collector is away: generous, as a check and not a benchmark.</summary>
    private static readonly TimeSpan PageBound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task ThrowingPage_AnswersTheShopsOwn500_AndMailsAdminsNamingTheException()
    {
        await using var mailed = await MailedAlerts.StartAsync();
        var alerts = mailed.App;
        await using var shop = await ShopHost.StartAsync(ShopHost.Dsn(alerts.BaseAddress.Port));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/17");
        request.Headers.Authorization = new("Bearer", "shop-session-secret");
        using var response = await shop.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains(ShopApp.ErrorPageText, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var mail = await mailed.MailAsync(m => m.Subject.StartsWith("[Alerts] ERROR", StringComparison.Ordinal), "the error mail to ADMINS");
        Assert.Equal(["ada@example.com"], mail.To);
        Assert.Contains("Internal Server Error: /orders/17", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("System.DivideByZeroException: Attempted to divide by zero.", mail.Subject, StringComparison.Ordinal);

        // What the client sent: the shop's own frame last and in-app, the request with its secrets hidden.
        var sent = await StoredEventAsync(alerts, EventKind.Error);
        var frame = sent.Exception!.Frames!.Last(f => f.InApp == true);
        Assert.Equal(("AspNetCoreShop.ShopApp", "OrderPage"), (frame.Module, frame.Function));
        Assert.EndsWith("ShopApp.cs", frame.Filename, StringComparison.Ordinal);
        Assert.True(frame.Lineno > 0);
        Assert.Contains(sent.Exception.Frames!, f => f.InApp == false && f.Module!.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal));
        Assert.Equal("GET", sent.Request!.Method);
        Assert.Equal(new Uri(shop.BaseAddress, "/orders/17").AbsoluteUri, sent.Request.Url);
        Assert.Equal("127.0.0.1", sent.Request.RemoteAddr);
        Assert.Equal(ShopHost.BrowserUserAgent, sent.Request.UserAgent);
        Assert.Equal("********************", sent.Request.Headers!["Authorization"]);
        Assert.Equal(("Production", "error"), (sent.Environment, sent.Level));
        Assert.Equal(Environment.MachineName, sent.ServerName);
    }

    [Fact]
    public async Task BrokenInternalLink_AnswersTheShopsOwn404_AndMailsManagers_WhileAPlain404IsNotReported()
    {
        await using var mailed = await MailedAlerts.StartAsync();
        var alerts = mailed.App;
        await using var shop = await ShopHost.StartAsync(ShopHost.Dsn(alerts.BaseAddress.Port));

        using (var typed = await shop.Client.GetAsync("/no-such-page"))
            Assert.Equal(HttpStatusCode.NotFound, typed.StatusCode);
        Assert.Equal(0, shop.Events.Reported); // typed in by hand: no referring page, nothing to fix

        var home = new Uri(shop.BaseAddress, "/");
        Assert.Contains("href=\"/catalogue/winter-2019\"", await shop.Client.GetStringAsync(home), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/catalogue/winter-2019");
        request.Headers.Referrer = home;
        using var response = await shop.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(ShopApp.NotFoundPageText, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var mail = await mailed.MailAsync(m => m.Subject.Contains("Broken", StringComparison.Ordinal), "the broken-link mail to MANAGERS");
        Assert.Equal($"[Alerts] Broken INTERNAL link on {shop.Host}", mail.Subject);
        Assert.Equal(["max@example.com"], mail.To);
        Assert.Contains($"Referrer: {home.AbsoluteUri}", mail.Text, StringComparison.Ordinal);
        Assert.Contains($"Requested URL: {new Uri(shop.BaseAddress, "/catalogue/winter-2019").AbsoluteUri}", mail.Text, StringComparison.Ordinal);
        Assert.Equal(1, shop.Events.Reported);
        Assert.DoesNotContain(await mailed.Smtp.GetMailsAsync(), m => m.Subject.Contains("ERROR", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CollectorDown_PagesAnswerWithinBound_AndTheQueueStaysBounded()
    {
        const int capacity = 10;
        await using var shop = await ShopHost.StartAsync(
            ShopHost.Dsn(FreePort.Next()), // nothing listens there
            $"Alerts:QueueCapacity={capacity.ToString(CultureInfo.InvariantCulture)}");

        await shop.GetAsync("/orders/1", HttpStatusCode.OK); // warm: the measure is about the collector, not the JIT
        await shop.GetAsync("/orders/17", HttpStatusCode.InternalServerError);
        await Wait.UntilAsync(() => Task.FromResult(shop.Events.SendErrors > 0), MailTimeout, "the client's first post to fail");

        var timings = new List<TimeSpan>();
        for (var i = 0; i < 10 * capacity; i++)
            timings.Add(await shop.GetAsync(i % 2 == 0 ? "/orders/17" : "/orders/1", i % 2 == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK));

        Report("collector down", timings);
        Assert.All(timings, t => Assert.True(t < PageBound, $"a page took {t.TotalMilliseconds:0} ms"));
        Assert.Equal(1 + 5 * capacity, shop.Events.Reported);
        Assert.InRange(shop.Events.Count, 0, capacity);
        Assert.True(shop.Events.Dropped > 0, "the full queue dropped its oldest events");
        Assert.Equal(0, shop.Events.Sent);
    }

    [Fact]
    public async Task CollectorNotAnswering_PagesAnswerWithinBound()
    {
        // Accepts connections and never answers: the client's post hangs until its own timeout.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = silent.AcceptTcpClientAsync();
        await using var shop = await ShopHost.StartAsync(ShopHost.Dsn(((IPEndPoint)silent.LocalEndpoint).Port));

        await shop.GetAsync("/orders/17", HttpStatusCode.InternalServerError);
        using var connection = await accepted.WaitAsync(MailTimeout); // the post is in flight now

        var timings = new List<TimeSpan>();
        for (var i = 0; i < 20; i++)
            timings.Add(await shop.GetAsync("/orders/17", HttpStatusCode.InternalServerError));

        Report("collector not answering", timings);
        Assert.All(timings, t => Assert.True(t < PageBound, $"a page took {t.TotalMilliseconds:0} ms"));
        Assert.Equal(0, shop.Events.Sent);
    }

    private void Report(string situation, List<TimeSpan> timings)
    {
        var ms = timings.Select(t => t.TotalMilliseconds).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{situation}: {ms.Count} pages, median {ms[ms.Count / 2]:0.0} ms, max {ms[^1]:0.0} ms"));
    }


    private static async Task<EventPayload> StoredEventAsync(AlertsTestApp alerts, EventKind kind)
    {
        var json = await alerts.QueryAsync(db => db.Events.Where(e => e.Kind == kind).Select(e => e.Payload).SingleAsync());
        return JsonSerializer.Deserialize(json, EventJsonContext.Default.EventPayload)!;
    }
}
