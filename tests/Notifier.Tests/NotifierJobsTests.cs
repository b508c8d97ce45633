using System.Net;
using Alerts.Notifier.Jobs;
using Alerts.TestSupport;

namespace Alerts.Notifier.Tests;

public class NotifierJobsTests
{
    [Theory]
    [InlineData(1, "*/1 * * * * *")]
    [InlineData(15, "*/15 * * * * *")]
    [InlineData(30, "*/30 * * * * *")]
    [InlineData(60, "*/1 * * * *")]
    [InlineData(300, "*/5 * * * *")]
    [InlineData(1800, "*/30 * * * *")]
    [InlineData(3600, "0 * * * *")]
    public void CronFor_ValidInterval_RunsThatOften(int seconds, string cron) =>
        Assert.Equal(cron, NotifierJobs.CronFor(seconds));

    [Theory]
    [InlineData("15")]
    [InlineData("3600")]
    public async Task Serve_WithSweepInterval_StartsAndRegistersTheSweep(string seconds)
    {
        // Start-up registers the recurring job: an expression Hangfire rejects would stop the service here.
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Notifier:SweepIntervalSeconds"] = seconds });

        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/readyz")).StatusCode);
    }
}
