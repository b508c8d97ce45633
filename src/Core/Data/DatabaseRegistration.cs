using System.Data.Common;
using System.Runtime.CompilerServices;
using Alerts.Core.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Data;

public static class DatabaseRegistration
{
    public static IServiceCollection AddAlertsDatabase(this IServiceCollection services)
    {
        services.AddSingleton<IDbContextFactory<AlertsDbContext>, AlertsDbContextFactory>();
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<ProjectSeeder>();
        services.AddSingleton<WriteGate>();
        services.AddHostedService<SqliteCheckpointer>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }
}

/// <summary>Builds contexts for the configured provider; the options are built once, contexts are cheap.</summary>
internal sealed class AlertsDbContextFactory : IDbContextFactory<AlertsDbContext>
{
    private readonly Func<AlertsDbContext> _create;

    public AlertsDbContextFactory(IOptions<DatabaseOptions> options)
    {
        var o = options.Value;
        if (o.Provider == DatabaseProvider.Postgres)
        {
            var pg = new DbContextOptionsBuilder<PostgresAlertsDbContext>()
                .UseNpgsql(o.ConnectionString)
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking).Options;
            _create = () => new PostgresAlertsDbContext(pg);
        }
        else
        {
            var sqlite = new DbContextOptionsBuilder<SqliteAlertsDbContext>()
                .UseSqlite(SqliteFile.Prepare(o.ConnectionString))
                .AddInterceptors(new SqliteDurability(o.MaxSizeMegabytes))
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking).Options;
            _create = () => new SqliteAlertsDbContext(sqlite);
        }
    }

    public AlertsDbContext CreateDbContext() => _create();
}

internal static class SqliteFile
{
    /// <summary>Creates the folder of the database file, so `data/alerts.db` works on a fresh checkout.</summary>
    public static string Prepare(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode != SqliteOpenMode.Memory && !string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:")
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        builder.Pooling = true;
        if (builder.DefaultTimeout < 30) builder.DefaultTimeout = 30; // waits on a busy writer instead of failing
        return builder.ToString();
    }
}

/// <summary>
/// An acknowledged event survives power loss: every SQLite connection syncs the WAL on commit. A connection waiting for
/// another's write lock retries within SQLite in milliseconds (the driver's own retry sleeps 150 ms). Checkpoints are left
/// to <see cref="SqliteCheckpointer"/>. A WAL is cut back to 128 MiB when it starts over, above what a flood fills between
/// restarts: cutting it shorter makes every restart grow the file again, page by page, in the kernel's most expensive
/// writes (new blocks allocated and zeroed); the checkpointer cuts it to nothing once the load has passed. With a size
/// cap, every connection also stops the file there (SQLite's limit is per connection), so writes fail as on a full disk.
/// A new database gets pages of 8 KiB: a commit of 1.5 KB events writes fewer WAL frames (each frame is two writes and
/// part of the fsync) than with SQLite's default 4 KiB. A database created with other pages keeps them.
/// </summary>
internal sealed class SqliteDurability(int maxSizeMegabytes) : DbConnectionInterceptor
{
    private const int BusyTimeoutMs = 30000;

    // Settings that stay with a pooled connection's SQLite handle: applied once per handle, not at every open.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    // page_size first: it only takes effect before the first table is written, and is ignored on an existing database.
    private const string Pragmas = "PRAGMA page_size=8192; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; " +
        "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=134217728;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        var handle = ((SqliteConnection)connection).Handle!;
        SQLitePCL.raw.sqlite3_busy_timeout(handle, BusyTimeoutMs); // at every open: the last user may have changed it (SetLockTimeout)
        if (Configured.TryGetValue(handle, out _)) return;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        cmd.ExecuteNonQuery();
        if (maxSizeMegabytes > 0)
        {
            cmd.CommandText = "PRAGMA page_size;"; // the file's own, which an older database keeps
            var pageSize = (long)cmd.ExecuteScalar()!;
            cmd.CommandText = $"PRAGMA max_page_count={maxSizeMegabytes * 1024L * 1024 / pageSize};";
            cmd.ExecuteNonQuery();
        }
        Configured.AddOrUpdate(handle, handle);
    }
}
