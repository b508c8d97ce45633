using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The inbox's connection and its statements, kept open and compiled across batches: a batch costs its rows and one
/// commit, not a connection, its settings and the statements' compilation each time. On SQLite the rows go through
/// <see cref="SqliteInboxStatements"/>; on PostgreSQL through the same statements as prepared commands. Synchronous: it
/// runs on the inbox's own writer thread.
/// </summary>
internal sealed class InboxWriter : IDisposable
{
    // Positional parameters, which SQLite and PostgreSQL both take. The id table remembers every id (by its key within its
    // project, SeenEventId.KeyOf) for the idempotency window, after the event row itself may have been pruned.
    internal const string RememberSql = """INSERT INTO "EventIds" ("Id", "SeenAt") VALUES ($1, $2) ON CONFLICT ("Id") DO NOTHING""";
    internal const string StoreSql = """
        INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("Id") DO NOTHING
        """;
    internal const string OwnerSql = """SELECT "ProjectId" FROM "Events" WHERE "Id" = $1""";

    private readonly AlertsDbContext _db;
    private readonly DbConnection _connection;
    private readonly SqliteInboxStatements? _sqlite;
    private readonly DbCommand? _remember; // other databases
    private readonly DbCommand? _store;
    private readonly DbCommand? _owner;

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
        _owner = Command(OwnerSql, 1, timeoutSeconds);
    }

    public static InboxWriter Open(IDbContextFactory<AlertsDbContext> factory, int timeoutSeconds)
    {
        var db = factory.CreateDbContext();
        try
        {
            db.Database.OpenConnection();
            db.Database.GetDbConnection().SetLockTimeout(timeoutSeconds);
            return new InboxWriter(db, timeoutSeconds);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Commits the events in one transaction; returns the ids of those not seen before (a retry within its project is kept
    /// once). An event whose id another project's stored event holds is stored under a new id, written into it.
    /// </summary>
    public List<string> Insert(IReadOnlyList<StoredEvent> events)
    {
        using var tx = _connection.BeginTransaction();
        var added = new List<string>(events.Count);
        foreach (var e in events)
            if (Add(tx, e)) added.Add(e.Id);
        tx.Commit();
        return added;
    }

    private bool Add(DbTransaction tx, StoredEvent e)
    {
        if (!Remember(tx, e)) return false;
        if (Store(tx, e)) return true;
        // Read only on a taken id, off the common path: this project's own retry stays one event, another's id is not ours to skip.
        if (OwnerOf(tx, e.Id) == e.ProjectId) return false;
        e.Id = StoredEvent.NewId();
        return Store(tx, e);
    }

    /// <summary>Records the event's id within its project; false when it was there already (a retry).</summary>
    private bool Remember(DbTransaction tx, StoredEvent e) =>
        _sqlite?.Remember(e) ?? Run(_remember!, tx, SeenEventId.KeyOf(e.ProjectId, e.Id), new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds());

    /// <summary>Inserts the event; false when a row with its id is still there (its id outlived the idempotency window).</summary>
    private bool Store(DbTransaction tx, StoredEvent e) =>
        _sqlite?.Store(e) ?? Run(_store!, tx,
            e.Id, e.ProjectId, (int)e.Kind, e.Timestamp, e.ReceivedAt, e.Payload, (object?)e.Fingerprint ?? DBNull.Value);

    /// <summary>The project of the stored event with this id, if one is stored.</summary>
    private long? OwnerOf(DbTransaction tx, string id)
    {
        if (_sqlite is not null) return _sqlite.OwnerOf(id);
        _owner!.Transaction = tx;
        _owner.Parameters[0].Value = id;
        return _owner.ExecuteScalar() is { } owner and not DBNull ? Convert.ToInt64(owner, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static bool Run(DbCommand cmd, DbTransaction tx, params object[] values)
    {
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        return cmd.ExecuteNonQuery() > 0;
    }

    private DbCommand Command(string sql, int parameters, int timeoutSeconds)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandTimeout = timeoutSeconds;
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(cmd.CreateParameter()); // unnamed: $1, $2, ... in order
        return cmd;
    }

    public void Dispose()
    {
        _sqlite?.Dispose();
        _remember?.Dispose();
        _store?.Dispose();
        _owner?.Dispose();
        _db.Dispose(); // closes the connection, back to the pool
    }
}
