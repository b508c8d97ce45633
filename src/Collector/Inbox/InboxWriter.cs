using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The inbox's connection and its two inserts, kept open and compiled across batches: a batch costs its rows and one
/// commit, not a connection, its settings and the statements' compilation each time. On SQLite the rows go through
/// <see cref="SqliteInboxStatements"/>; on PostgreSQL through the same statements as prepared commands.
/// </summary>
internal sealed class InboxWriter : IAsyncDisposable
{
    // Positional parameters, which SQLite and PostgreSQL both take. The id table remembers every id for the idempotency
    // window, after the event row itself may have been pruned.
    internal const string RememberSql = """INSERT INTO "EventIds" ("Id", "SeenAt") VALUES ($1, $2) ON CONFLICT ("Id") DO NOTHING""";
    internal const string StoreSql = """
        INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("Id") DO NOTHING
        """;

    private readonly AlertsDbContext _db;
    private readonly DbConnection _connection;
    private readonly SqliteInboxStatements? _sqlite;
    private readonly DbCommand? _remember; // other databases
    private readonly DbCommand? _store;

    private InboxWriter(AlertsDbContext db, int timeoutSeconds)
    {
        _db = db;
        _connection = db.Database.GetDbConnection();
        if (_connection is SqliteConnection sqlite)
        {
            _sqlite = new SqliteInboxStatements(sqlite);
            return;
        }
        _remember = Command(RememberSql, 2, timeoutSeconds);
        _store = Command(StoreSql, 7, timeoutSeconds);
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
        foreach (var e in events)
            if (await RememberAsync(tx, e) && await StoreAsync(tx, e)) added.Add(e.Id);
        await tx.CommitAsync();
        return added;
    }

    /// <summary>Records the event's id; false when it was there already (a retry).</summary>
    private async ValueTask<bool> RememberAsync(DbTransaction tx, StoredEvent e) =>
        _sqlite?.Remember(e) ?? await RunAsync(_remember!, tx, SeenEventId.KeyOf(e.Id), new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds());

    /// <summary>Inserts the event; false when a row with its id is still there (its id outlived the idempotency window).</summary>
    private async ValueTask<bool> StoreAsync(DbTransaction tx, StoredEvent e) =>
        _sqlite?.Store(e) ?? await RunAsync(_store!, tx,
            e.Id, e.ProjectId, (int)e.Kind, e.Timestamp, e.ReceivedAt, e.Payload, (object?)e.Fingerprint ?? DBNull.Value);

    private static async Task<bool> RunAsync(DbCommand cmd, DbTransaction tx, params object[] values)
    {
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        return await cmd.ExecuteNonQueryAsync() > 0;
    }

    private DbCommand Command(string sql, int parameters, int timeoutSeconds)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandTimeout = timeoutSeconds;
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(cmd.CreateParameter()); // unnamed: $1, $2, ... in order
        return cmd;
    }

    public async ValueTask DisposeAsync()
    {
        _sqlite?.Dispose();
        if (_remember is not null) await _remember.DisposeAsync();
        if (_store is not null) await _store.DisposeAsync();
        await _db.DisposeAsync(); // closes the connection, back to the pool
    }
}
