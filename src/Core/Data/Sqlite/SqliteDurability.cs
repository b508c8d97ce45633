using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Alerts.Core.Data.Sqlite;

/// <summary>Every SQLite connection's settings: an acknowledged event survives power loss, and no commit waits on a checkpoint.</summary>
internal sealed class SqliteDurability(int maxSizeMegabytes) : DbConnectionInterceptor
{
    private const int BusyTimeoutMs = 30000;

    // Settings that stay with a pooled connection's SQLite handle: applied once per handle, not at every open.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    // page_size=8192 (ignored on an existing database): fewer WAL frames per commit of 1.5 KB events than 4 KiB pages.
    // synchronous=FULL: a commit syncs the WAL. wal_autocheckpoint=0: SqliteCheckpointer checkpoints in the background.
    // journal_size_limit=128 MiB: above what a flood fills between WAL restarts, so the WAL is reused, not grown again.
    private const string Pragmas = "PRAGMA page_size=8192; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; " +
        "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=134217728;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>
    /// How long an open connection waits for another writer's lock (BEGIN included) before failing busy; the wait is
    /// SQLite's own, which retries within milliseconds where the driver's retry sleeps 150 ms.
    /// </summary>
    public static void SetLockTimeout(SqliteConnection connection, int seconds)
    {
        connection.DefaultTimeout = seconds;
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, seconds * 1000);
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
            // SQLite's cap is per connection, so every connection sets it, in the file's own pages (an older database keeps 4 KiB).
            cmd.CommandText = "PRAGMA page_size;";
            var pageSize = (long)cmd.ExecuteScalar()!;
            cmd.CommandText = $"PRAGMA max_page_count={maxSizeMegabytes * 1024L * 1024 / pageSize};";
            cmd.ExecuteNonQuery();
        }
        Configured.AddOrUpdate(handle, handle);
    }
}
