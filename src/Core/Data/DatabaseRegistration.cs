using Alerts.Core.Data.Postgres;
using Alerts.Core.Data.Sqlite;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Data;

public static class DatabaseRegistration
{
    /// <summary>The database, through the one <see cref="IDatabaseProvider"/> of the configured provider.</summary>
    public static IServiceCollection AddAlertsDatabase(this IServiceCollection services, DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            services.AddSingleton<IDatabaseProvider, PostgresProvider>();
            services.AddSingleton(sp => new SharedJobStore(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        }
        else
        {
            services.AddSingleton<IDatabaseProvider, SqliteProvider>();
            services.AddHostedService<SqliteCheckpointer>();
        }
        services.AddSingleton<IDbContextFactory<AlertsDbContext>>(sp => sp.GetRequiredService<IDatabaseProvider>());
        services.AddSingleton(sp => new WriteGate(sp.GetRequiredService<IDatabaseProvider>().OneWriter));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<ProjectSeeder>();
        services.AddSingleton<Monitors.MonitorCatalog>();
        services.AddSingleton<Monitors.MonitorRecorder>();
        services.AddSingleton<Monitors.MonitorSeeder>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>Whether the registered provider keeps the jobs shared by every node; registration reads it before the container exists.</summary>
    public static bool HasSharedJobStore(this IServiceCollection services) => services.Any(d => d.ServiceType == typeof(SharedJobStore));
}

/// <summary>
/// The PostgreSQL database that keeps scheduled jobs for every node (schema <c>hangfire</c>), so a recurring job runs
/// once across them; registered only by a provider whose database can. Without it, each process keeps its jobs in memory.
/// </summary>
public sealed record SharedJobStore(string ConnectionString);
