using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerts.Core.Data.Sqlite;

/// <summary>
/// Copies SQLite's WAL into the database file in the background. Connections turn auto-checkpointing off, so no commit
/// (and no post waiting for its 202) pays for copying pages and syncing the database file.
/// </summary>
internal sealed class SqliteCheckpointer(
    IDbContextFactory<AlertsDbContext> factory, WriteGate gate, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A passive checkpoint never waits for writers, so under a steady flood the WAL would never start over; past this
    /// many frames (16 MiB of pages) one checkpoint waits for the writer so the WAL is reused from its start.
    /// </summary>
    private const long RestartFrames = 4096;

    /// <summary>A WAL file larger than this, all copied and quiet for a tick, is cut to nothing.</summary>
    private const long TruncateBytes = 4 * 1024 * 1024;

    /// <summary>
    /// After a restart that a reader kept waiting (a backup, a long query), the next waits this long, doubling up to
    /// <see cref="MaxRestartPause"/>: each attempt holds the write lock for up to a second, and retrying at every tick
    /// would stall ingestion for most of the reader's life.
    /// </summary>
    private static readonly TimeSpan FirstRestartPause = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRestartPause = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        long lastFrames = 0;
        var restartPause = TimeSpan.Zero;
        var nextRestart = DateTime.MinValue;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var db = await factory.CreateDbContextAsync(stoppingToken);
                await db.Database.OpenConnectionAsync(stoppingToken);
                var connection = db.Database.GetDbConnection();
                var (_, frames, copied) = await CheckpointAsync(connection, "PASSIVE", stoppingToken);
                // Truncating under load would only make the next writes grow the file again: wait for a quiet tick.
                var quiet = frames == lastFrames && copied == frames;
                lastFrames = frames;
                var mode = quiet ? (await WalBytesAsync(connection, stoppingToken) > TruncateBytes ? "TRUNCATE" : null)
                    : frames > RestartFrames && DateTime.UtcNow >= nextRestart ? "RESTART" : null;
                if (mode is null) continue;
                // A restart holds the write lock while it waits for readers: at most 1 s, well within the inbox's write timeout.
                SqliteDurability.SetLockTimeout((SqliteConnection)connection, 1);
                // In this process's turn at the write lock: the inbox and the grouper commit back to back, and a checkpoint
                // that polled SQLite's lock between their commits would rarely get it, letting the WAL grow without end.
                using var turn = await gate.EnterAsync(TimeSpan.FromSeconds(5), stoppingToken);
                if (await CheckpointAsync(connection, mode, stoppingToken) is { Busy: false })
                    restartPause = TimeSpan.Zero;
                else
                {
                    restartPause = TimeSpan.FromTicks(Math.Clamp(restartPause.Ticks * 2, FirstRestartPause.Ticks, MaxRestartPause.Ticks));
                    nextRestart = DateTime.UtcNow + restartPause;
                    logger.LogInformation("A reader kept the WAL from starting over; the next try is in {Pause}", restartPause);
                }
            }
            catch (Exception ex) when (ex is DbException or TimeoutException)
            {
                logger.LogWarning(ex, "WAL checkpoint failed; retrying at the next tick");
            }
        }
    }

    private static async Task<long> WalBytesAsync(DbConnection connection, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT \"file\" FROM pragma_database_list WHERE \"name\" = 'main'";
        return await cmd.ExecuteScalarAsync(ct) is string { Length: > 0 } file && new FileInfo(file + "-wal") is { Exists: true } wal ? wal.Length : 0;
    }

    /// <summary>
    /// Runs a checkpoint; returns whether it could not finish (a writer or reader in its way), the frames in the WAL
    /// and how many of them are now in the database file.
    /// </summary>
    private static async Task<(bool Busy, long Frames, long Copied)> CheckpointAsync(DbConnection connection, string mode, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt32(0) != 0, reader.GetInt64(1), reader.GetInt64(2)) : (false, 0, 0);
    }
}
