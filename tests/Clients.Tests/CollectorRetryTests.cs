using System.Net;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Clients.Tests;

/// <summary>How the ASP.NET Core client tries its posts again, against a real Alerts that fails the first ones on purpose.</summary>
public sealed class CollectorRetryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PageBound = TimeSpan.FromSeconds(2);

    // Timers fire up to a few milliseconds early against the server's clock (seen: 1.9996 s for a 2 s pause).
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task CollectorFailsTwiceWith503_TheEventArrivesOnce_AfterPausesOfOneThenTwoSeconds()
    {
        var faults = new CollectorFaults(new(503), new(503));
        await using var reported = await OneErrorReportedAsync(faults);
        var (alerts, shop) = (reported.Alerts, reported.Shop);

        await Wait.UntilAsync(() => Task.FromResult(shop.Events.Sent == 1), Timeout, "the third post to be accepted");
        Assert.Equal(3, faults.Posts);
        Assert.All(faults.Keys, key => Assert.Equal(AlertsTestApp.ProjectKey, key));
        Assert.True(faults.Between(0, 1) >= TimeSpan.FromSeconds(1) - TimerSlack, $"first pause {faults.Between(0, 1)}");
        Assert.True(faults.Between(1, 2) >= TimeSpan.FromSeconds(2) - TimerSlack, $"second pause {faults.Between(1, 2)}");
        Assert.Equal((0L, 2L), (shop.Events.Failed, shop.Events.SendErrors));
        Assert.Equal(1, await alerts.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task CollectorAnswers429WithRetryAfter_TheClientWaitsAtLeastThatLong()
    {
        var faults = new CollectorFaults(new CollectorFaults.Answer(429, RetryAfterSeconds: 3));
        await using var reported = await OneErrorReportedAsync(faults);
        var (alerts, shop) = (reported.Alerts, reported.Shop);

        await Wait.UntilAsync(() => Task.FromResult(shop.Events.Sent == 1), Timeout, "the post after Retry-After to be accepted");
        Assert.Equal(2, faults.Posts);
        Assert.True(faults.Between(0, 1) >= TimeSpan.FromSeconds(3) - TimerSlack, $"the client came back after {faults.Between(0, 1)}");
        Assert.Equal(1, await alerts.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task CollectorRefusesWith400_ThePostIsNotTriedAgain()
    {
        var faults = new CollectorFaults(new(400), new(400));
        await using var reported = await OneErrorReportedAsync(faults);
        var (alerts, shop) = (reported.Alerts, reported.Shop);

        await Wait.UntilAsync(() => Task.FromResult(shop.Events.Failed == 1), Timeout, "the refused event to be given up");
        Assert.Equal(1, faults.Posts);
        Assert.Equal((0L, 0L), (shop.Events.Sent, shop.Events.SendErrors));
        Assert.Equal(0, await alerts.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task CollectorUnreachable_PagesAnswerWithinBoundWhileTheClientRetries_AndTheEventIsGivenUpAfterThreePosts()
    {
        await using var shop = await ShopHost.StartAsync(ShopHost.Dsn(FreePort.Next())); // nothing listens there
        await shop.GetAsync("/orders/1", HttpStatusCode.OK); // warm: the measure is about the collector, not the JIT

        await shop.GetAsync("/orders/17", HttpStatusCode.InternalServerError);
        await Wait.UntilAsync(() => Task.FromResult(shop.Events.SendErrors > 0), Timeout, "the client's first post to fail");
        var timings = new List<TimeSpan>();
        for (var i = 0; i < 20; i++)
            timings.Add(await shop.GetAsync("/orders/1", HttpStatusCode.OK));

        Assert.All(timings, t => Assert.True(t < PageBound, $"a page took {t.TotalMilliseconds:0} ms"));
        await Wait.UntilAsync(() => Task.FromResult(shop.Events.Failed == 1), Timeout, "the event to be given up");
        Assert.Equal((0L, 3L), (shop.Events.Sent, shop.Events.SendErrors));
    }

    /// <summary>A real Alerts behind <paramref name="faults"/>, and the shop reporting one error to it.</summary>
    private static async Task<AlertsAndShop> OneErrorReportedAsync(CollectorFaults faults)
    {
        var alerts = await AlertsTestApp.StartAsync(services: s => s.AddSingleton<IStartupFilter>(faults));
        var shop = await ShopHost.StartAsync(ShopHost.Dsn(alerts.BaseAddress.Port));
        await shop.GetAsync("/orders/17", HttpStatusCode.InternalServerError);
        return new AlertsAndShop(alerts, shop);
    }

    private sealed record AlertsAndShop(AlertsTestApp Alerts, ShopHost Shop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Shop.DisposeAsync();
            await Alerts.DisposeAsync();
        }
    }
}
