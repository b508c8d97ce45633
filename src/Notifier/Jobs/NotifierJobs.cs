using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Jobs;

public static class NotifierJobs
{
    /// <summary>Hangfire with in-memory storage: the job state that matters (outbox, inbox) lives in our tables.</summary>
    public static IServiceCollection AddNotifierJobs(this IServiceCollection services)
    {
        // Storage and activator per host, registered before AddHangfire so it keeps them: Hangfire's defaults are
        // process-wide statics, which would let two hosts in one process (tests) run each other's jobs.
        services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) }));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, o) =>
        {
            // Polling as often as the shortest sweep interval, so a 1-second sweep really runs every second.
            o.SchedulePollingInterval = TimeSpan.FromSeconds(Math.Min(15, sp.GetRequiredService<IOptions<NotifierOptions>>().Value.SweepIntervalSeconds));
            o.WorkerCount = 2;
        });
        services.AddHostedService<NotifierJobsSchedule>();
        return services;
    }

    /// <summary>Cron for a sweep interval: seconds when under a minute, else minutes.</summary>
    public static string CronFor(int intervalSeconds) => intervalSeconds switch
    {
        < 60 => $"*/{intervalSeconds} * * * * *",
        3600 => "0 * * * *",
        _ => $"*/{intervalSeconds / 60} * * * *",
    };

    /// <summary>Registers the recurring sweep and runs it once at start-up, which resumes pending sends; retention runs hourly.</summary>
    private sealed class NotifierJobsSchedule(IRecurringJobManager recurring, IBackgroundJobClient jobs, IOptions<NotifierOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<NotifierSweepJob>(NotifierSweepJob.RecurringJobId, j => j.RunAsync(CancellationToken.None),
                CronFor(options.Value.SweepIntervalSeconds));
            jobs.Enqueue<NotifierSweepJob>(j => j.RunAsync(CancellationToken.None));
            recurring.AddOrUpdate<RetentionJob>(RetentionJob.RecurringJobId, j => j.RunAsync(CancellationToken.None), Cron.Hourly());
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
