using System.Globalization;
using System.Net;
using Alerts.Core.Monitors;
using Alerts.Notifier.Monitors;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// Two notifiers on one PostgreSQL database run the monitors' due-check at the same moment, many times over (as two
/// Hangfire servers would if a tick were ever taken twice): each miss is still one notification and one mail.
/// </summary>
public sealed class MonitorNotifiersTests : IAsyncLifetime
{
    private const int ConcurrentChecks = 16;
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero));
    private PostgresServer _postgres = null!;
    private AiosmtpdServer _smtp = null!;
    private AlertsTestApp _first = null!;
    private AlertsTestApp _second = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _smtp = await AiosmtpdServer.StartAsync(startTls: false, requireStartTls: false);
        var settings = new Dictionary<string, string>
        {
            ["Alerts:Database:Provider"] = "Postgres",
            ["ConnectionStrings:Alerts"] = await _postgres.CreateDatabaseAsync("alerts"),
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = _smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Alerts:Monitors:Cron:0:Project"] = "1",
            ["Alerts:Monitors:Cron:0:Slug"] = "hourly-sync",
            ["Alerts:Monitors:Cron:0:IntervalSeconds"] = "3600",
            ["Alerts:Monitors:Cron:0:CheckinMarginMinutes"] = "5",
        };
        _first = await AlertsTestApp.StartAsync(settings, Roles.All, s => s.AddSingleton<TimeProvider>(_clock));
        _second = await AlertsTestApp.StartAsync(settings, Roles.Notifier, s => s.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _smtp.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    /// <summary>The due-check run <see cref="ConcurrentChecks"/> times at once, half on each notifier.</summary>
    private Task DueChecksOnBothNotifiersAsync() => Task.WhenAll(Enumerable.Range(0, ConcurrentChecks).Select(async i =>
    {
        using var scope = (i % 2 == 0 ? _first : _second).Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<MonitorDueCheckJob>().RunAsync(CancellationToken.None);
    }));

    /// <summary>The misses recorded: each is an event of the monitor's incident, taken by one due-check only.</summary>
    private Task<int> MissesAsync() => _first.QueryAsync(db => db.Events.CountAsync());

    private async Task PingAsync()
    {
        using var ok = await _first.Client.GetAsync($"/ping/{AlertsTestApp.ProjectKey}/hourly-sync");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task TwoNotifiers_CheckingAtOnce_MailEachMissOnce_AndEachRecoveryOnce()
    {
        await PingAsync();
        var monitor = (await _first.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, "hourly-sync", CancellationToken.None))!;
        Assert.Equal(MonitorState.Up, monitor.State);

        // 09:06: the 09:00 run is past its five minutes' grace. Both notifiers find it at once: one mail.
        _clock.Advance(TimeSpan.FromMinutes(66));
        await DueChecksOnBothNotifiersAsync();
        Assert.Equal(1, await MissesAsync());
        var down = Assert.Single(await _smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("hourly-sync missed its check-in", down.Subject, StringComparison.Ordinal);
        await DueChecksOnBothNotifiersAsync(); // still down: nothing new
        Assert.Equal(1, await MissesAsync());

        // It checks in again (one recovered mail), then misses its next run: a second miss, again mailed once.
        _clock.Advance(TimeSpan.FromMinutes(4));
        await PingAsync();
        await DueChecksOnBothNotifiersAsync();
        Assert.Contains("hourly-sync recovered", (await _smtp.WaitForMailsAsync(2, MailTimeout))[1].Subject, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromMinutes(66));
        await DueChecksOnBothNotifiersAsync();
        await DueChecksOnBothNotifiersAsync();
        var mails = await _smtp.WaitForMailsAsync(3, MailTimeout);
        Assert.Contains("hourly-sync missed its check-in", mails[2].Subject, StringComparison.Ordinal);
        Assert.Equal(2, await MissesAsync());
        // Every notification made is sent, and there are exactly the three: down, recovered, down.
        await Wait.UntilAsync(() => _first.QueryAsync(db => db.Notifications.AllAsync(n => n.SentAt != null)), MailTimeout, "every notification sent");
        Assert.Equal(3, await _first.QueryAsync(db => db.Notifications.CountAsync()));
        Assert.Equal(3, (await _smtp.GetMailsAsync()).Count);
    }
}
