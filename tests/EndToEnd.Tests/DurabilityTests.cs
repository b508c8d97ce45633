using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>An acknowledged event survives kill -9 of the process that acknowledged it.</summary>
public sealed class DurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private MailDevServer mailDev = null!;
    private AlertsProcess alerts = null!;

    public async Task InitializeAsync()
    {
        mailDev = await MailDevServer.StartAsync();
        alerts = new AlertsProcess(output.WriteLine);
    }

    public async Task DisposeAsync()
    {
        await alerts.DisposeAsync();
        await mailDev.DisposeAsync();
    }

    [Fact]
    public async Task KillAfter202_BeforeGrouping_RestartCountsTheEventAndMailsOnce()
    {
        var env = E2eSettings.Smtp(mailDev.SmtpPort);
        // A collector alone accepts but never groups: the event is still in the inbox when the process dies.
        await alerts.StartServeAsync(env, roles: "collector");
        var eventId = await alerts.Client.PostEventAsync(SampleEvents.Error());
        alerts.Kill();
        Assert.Empty(await mailDev.GetMailsAsync());

        await alerts.StartServeAsync(env);
        var token = await alerts.CreateTokenAsync(env);

        var incidents = await alerts.Client.WaitForIncidentsAsync(
            token, seen => seen.Count > 0, "the event to be grouped after the restart", TimeSpan.FromSeconds(60));
        var incident = Assert.Single(incidents);
        Assert.Equal(1, incident.Count);
        Assert.Contains(eventId, await alerts.Client.SampleEventIdsAsync(token, incident.Id));
        var mail = Assert.Single(await mailDev.MailsBeforeSentinelAsync(alerts.Client));
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
    }
}
