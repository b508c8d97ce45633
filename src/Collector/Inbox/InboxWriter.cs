using System.Data.Common;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The inbox's connection and its statements, kept open and compiled across batches: a batch costs its rows and one
/// commit, not a connection, its settings and the statements' compilation each time. On SQLite the rows go through
/// <see cref="SqliteInboxStatements"/>; on PostgreSQL through multi-row commands.
/// </summary>
internal sealed class InboxWriter : IAsyncDisposable
{
    /// <summary>Rows per statement: one statement per row costs more than its row; a few dozen make binding by name slow.</summary>
    private const int RowsPerStatement = 16;

    private static readonly string[] EventColumns = ["Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint"];

    private readonly AlertsDbContext _db;
    private readonly DbConnection _connection;
    private readonly int _timeoutSeconds;
    private readonly Dictionary<int, DbCommand> _remember = []; // by row count
    private readonly Dictionary<int, DbCommand> _store = [];
    private readonly SqliteInboxStatements? _sqlite; // SQLite's own statements; other databases take the commands above

    private InboxWriter(AlertsDbContext db, int timeoutSeconds)
    {
        _db = db;
        _connection = db.Database.GetDbConnection();
        _timeoutSeconds = timeoutSeconds;
        if (_connection is SqliteConnection sqlite) _sqlite = new SqliteInboxStatements(sqlite);
    }

    public static async Task<InboxWriter> OpenAsync(IDbContextFactory<AlertsDbContext> factory, int timeoutSeconds)
    {
        var db = await factory.CreateDbContextAsync();
        try
        {
            await db.Database.OpenConnectionAsync();
            db.Database.GetDbConnection().SetLockTimeout(timeoutSeconds);
            return new InboxWriter(db, timeoutSeconds);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Commits the events in one transaction; returns the ids not seen before (a retry's id is kept once).</summary>
    public async Task<List<string>> InsertAsync(IReadOnlyList<StoredEvent> events)
    {
        await using var tx = await _connection.BeginTransactionAsync();
        var added = new List<string>(events.Count);
        if (_sqlite is not null)
        {
            foreach (var e in events)
                if (_sqlite.Remember(e) && _sqlite.Store(e)) added.Add(e.Id);
        }
        else
        {
            foreach (var chunk in events.Chunk(RowsPerStatement))
            {
                var fresh = await RememberAsync(tx, chunk);
                if (fresh.Count > 0) await StoreAsync(tx, fresh, added);
            }
        }
        await tx.CommitAsync();
        return added;
    }

    /// <summary>
    /// Records the ids in the id table, which remembers every id for the idempotency window, after the event row itself
    /// may have been pruned; returns the events whose id was not there (of two with one id, the first).
    /// </summary>
    private async Task<List<StoredEvent>> RememberAsync(DbTransaction tx, StoredEvent[] chunk)
    {
        var cmd = Statement(_remember, chunk.Length, 2, tx, values => $"""
            INSERT INTO "EventIds" ("Id", "SeenAt") VALUES {values}
            ON CONFLICT ("Id") DO NOTHING RETURNING "Id"
            """);
        var keys = new Guid[chunk.Length];
        for (var i = 0; i < chunk.Length; i++)
        {
            var key = SeenEventId.KeyOf(chunk[i].Id);
            keys[i] = new Guid(key);
            cmd.Parameters[2 * i].Value = key;
            cmd.Parameters[2 * i + 1].Value = new DateTimeOffset(chunk[i].ReceivedAt).ToUnixTimeSeconds();
        }
        var inserted = new HashSet<Guid>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) inserted.Add(new Guid(reader.GetFieldValue<byte[]>(0)));
        var fresh = new List<StoredEvent>(inserted.Count);
        for (var i = 0; i < chunk.Length; i++)
            if (inserted.Remove(keys[i])) fresh.Add(chunk[i]);
        return fresh;
    }

    /// <summary>Inserts the events; adds the ids inserted (not an id whose row outlived its idempotency window).</summary>
    private async Task StoreAsync(DbTransaction tx, List<StoredEvent> events, List<string> added)
    {
        var cmd = Statement(_store, events.Count, EventColumns.Length, tx, values => $"""
            INSERT INTO "Events" ({string.Join(", ", EventColumns.Select(c => $"\"{c}\""))}) VALUES {values}
            ON CONFLICT ("Id") DO NOTHING RETURNING "Id"
            """);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var at = i * EventColumns.Length;
            cmd.Parameters[at].Value = e.Id;
            cmd.Parameters[at + 1].Value = e.ProjectId;
            cmd.Parameters[at + 2].Value = (int)e.Kind;
            cmd.Parameters[at + 3].Value = e.Timestamp;
            cmd.Parameters[at + 4].Value = e.ReceivedAt;
            cmd.Parameters[at + 5].Value = e.Payload;
            cmd.Parameters[at + 6].Value = (object?)e.Fingerprint ?? DBNull.Value;
        }
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) added.Add(reader.GetString(0));
    }

    /// <summary>
    /// The statement for <paramref name="rows"/> rows of <paramref name="columns"/> values (@p0, @p1, ... row by row),
    /// made on first use and kept: SQLite compiles it once.
    /// </summary>
    private DbCommand Statement(Dictionary<int, DbCommand> cache, int rows, int columns, DbTransaction tx, Func<string, string> sql)
    {
        if (!cache.TryGetValue(rows, out var cmd))
        {
            cmd = _connection.CreateCommand();
            cmd.CommandTimeout = _timeoutSeconds;
            cmd.CommandText = sql(Rows(rows, columns));
            for (var i = 0; i < rows * columns; i++) cmd.AddParameter($"@p{i}");
            cache[rows] = cmd;
        }
        cmd.Transaction = tx;
        return cmd;
    }

    /// <summary>"(@p0, @p1), (@p2, @p3)" for two rows of two columns.</summary>
    private static string Rows(int rows, int columns)
    {
        var sql = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            if (r > 0) sql.Append(", ");
            sql.Append('(').AppendJoin(", ", Enumerable.Range(r * columns, columns).Select(i => $"@p{i}")).Append(')');
        }
        return sql.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _sqlite?.Dispose();
        foreach (var cmd in _remember.Values.Concat(_store.Values)) await cmd.DisposeAsync();
        await _db.DisposeAsync(); // closes the connection, back to the pool
    }
}
