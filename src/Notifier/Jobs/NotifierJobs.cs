using Alerts.Core.Data;
using Alerts.Core.Monitors;
using Alerts.Notifier.Monitors;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Jobs;

public static class NotifierJobs
{
    /// <summary>
    /// Hangfire's job storage, the one way every role registers it: the database provider's <see cref="SharedJobStore"/>
    /// (shared by all nodes, so a recurring job runs once across them) when it has one; otherwise in-memory per host,
    /// and only for a host that runs jobs (the job state that matters lives in our tables). A node that only shows
    /// jobs (a dashboard) registers the storage without running a Hangfire server.
    /// </summary>
    public static IServiceCollection AddJobStorage(this IServiceCollection services, bool runsJobs)
    {
        if ((!services.HasSharedJobStore() && !runsJobs) || services.Any(d => d.ServiceType == typeof(JobStorage))) return services;
        // Storage and activator per host, registered before AddHangfire so it keeps them: Hangfire's defaults are
        // process-wide statics, which would let two hosts in one process (tests) run each other's jobs.
        services.TryAddSingleton<JobStorage>(sp =>
        {
            if (sp.GetService<SharedJobStore>() is not { } shared)
                return new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
            var options = new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(shared.ConnectionString, options), options);
        });
        services.TryAddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, c) => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(new AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>()))));
        return services;
    }

    /// <summary>
    /// Hangfire's log provider is process-wide: with several hosts in one process the last configured wins, and its
    /// logger factory may be disposed while another host still asks for loggers; that host then logs nothing.
    /// </summary>
    private sealed class HostLogProvider(AspNetCoreLogProvider inner) : ILogProvider
    {
        public ILog GetLogger(string name)
        {
            try
            {
                return inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return Silent.Instance;
            }
        }

        private sealed class Silent : ILog
        {
            public static readonly Silent Instance = new();

            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
        }
    }

    /// <summary>Hangfire's server and the notifier's recurring sweep on the storage <see cref="AddJobStorage"/> chose.</summary>
    public static IServiceCollection AddNotifierJobs(this IServiceCollection services)
    {
        services.AddJobStorage(runsJobs: true);
        services.AddHangfireServer((sp, o) =>
        {
            // Polling as often as the shortest sweep interval, so a 1-second sweep really runs every second.
            o.SchedulePollingInterval = TimeSpan.FromSeconds(Math.Min(Math.Min(15, sp.GetRequiredService<IOptions<NotifierOptions>>().Value.SweepIntervalSeconds),
                sp.GetRequiredService<IOptions<MonitorsOptions>>().Value.DueCheckSeconds));
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
    private sealed class NotifierJobsSchedule(
        IRecurringJobManager recurring, IBackgroundJobClient jobs, IOptions<NotifierOptions> options, IOptions<MonitorsOptions> monitors) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            recurring.AddOrUpdate<NotifierSweepJob>(NotifierSweepJob.RecurringJobId, j => j.RunAsync(CancellationToken.None),
                CronFor(options.Value.SweepIntervalSeconds));
            jobs.Enqueue<NotifierSweepJob>(j => j.RunAsync(CancellationToken.None));
            recurring.AddOrUpdate<RetentionJob>(RetentionJob.RecurringJobId, j => j.RunAsync(CancellationToken.None), Cron.Hourly());
            recurring.AddOrUpdate<MonitorDueCheckJob>(MonitorDueCheckJob.RecurringJobId, j => j.RunAsync(CancellationToken.None),
                CronFor(monitors.Value.DueCheckSeconds));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
