using Alerts.Notifier.Jobs;
using Hangfire;
using Hangfire.Common;
using Hangfire.InMemory;

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
    public void CronFor_EveryValidInterval_IsAScheduleHangfireAccepts(int seconds, string cron)
    {
        using var storage = new InMemoryStorage();

        Assert.Equal(cron, NotifierJobs.CronFor(seconds));
        // The same call the notifier makes at start-up: an invalid expression would stop the service.
        new RecurringJobManager(storage).AddOrUpdate("sweep", Job.FromExpression(() => Console.WriteLine()), cron);
    }
}
