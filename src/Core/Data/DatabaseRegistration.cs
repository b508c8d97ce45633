using Alerts.Core.Data.Postgres;
using Alerts.Core.Data.Sqlite;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Core.Data;

public static class DatabaseRegistration
{
    /// <summary>The database, through the one <see cref="IDatabaseProvider"/> of the configured provider.</summary>
    public static IServiceCollection AddAlertsDatabase(this IServiceCollection services, DatabaseProvider provider)
    {
        if (provider == DatabaseProvider.Postgres) services.AddSingleton<IDatabaseProvider, PostgresProvider>();
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
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }
}
