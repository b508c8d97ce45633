using System.Data.Common;
using Alerts.Core.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Data.Sqlite;

/// <summary>The embedded default: a SQLite file in WAL mode with one writer, whose WAL is checkpointed in the background.</summary>
internal sealed class SqliteProvider(IOptions<DatabaseOptions> options) : ProviderContexts<SqliteAlertsDbContext>(
    new DbContextOptionsBuilder<SqliteAlertsDbContext>()
        .UseSqlite(PrepareFile(options.Value.ConnectionString), o => o.UseParameterizedCollectionMode(ListsAsOneParameter))
        .AddInterceptors(new SqliteDurability(options.Value.MaxSizeMegabytes)),
    o => new SqliteAlertsDbContext(o)), IDatabaseProvider
{
    public bool OneWriter => true;

    // Persistent in the file: readers never block the writer.
    public Task ConfigureMigratedAsync(DatabaseFacade database, CancellationToken ct) =>
        database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);

    public IInboxStatements PrepareInbox(DbConnection connection, int timeoutSeconds)
    {
        var sqlite = (SqliteConnection)connection;
        SqliteDurability.SetLockTimeout(sqlite, timeoutSeconds);
        return new SqliteInboxStatements(sqlite);
    }

    public Task<T> WalkingIndexesAsync<T>(DatabaseFacade database, Func<Task<T>> query, CancellationToken ct) => query(); // no bitmap scans in SQLite

    /// <summary>Creates the folder of the database file, so `data/alerts.db` works on a fresh checkout.</summary>
    private static string PrepareFile(string connectionString)
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

// Used by `dotnet ef migrations add` only.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAlertsDbContext>
{
    public SqliteAlertsDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<SqliteAlertsDbContext>().UseSqlite("Data Source=design.db").Options);
}
