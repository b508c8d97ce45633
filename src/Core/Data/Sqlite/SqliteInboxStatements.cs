using System.Data.Common;
using System.Globalization;
using Alerts.Core.Domain;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Alerts.Core.Data.Sqlite;

/// <summary>
/// The inbox's statements as SQLite statements compiled once on the writer's connection and bound by position: the
/// hottest statements of the service skip the driver's per-execution work (a reader, parameters looked up by name).
/// They run in the connection's transaction, which SQLite does not name per statement.
/// </summary>
internal sealed class SqliteInboxStatements : IInboxStatements
{
    // How Microsoft.Data.Sqlite writes a DateTime, so EF and the SQL that compares these columns read them alike.
    private const string DateFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _remember;
    private readonly sqlite3_stmt _store;
    private readonly sqlite3_stmt _owner;

    public SqliteInboxStatements(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        _remember = Prepare(InboxSql.Remember);
        _store = Prepare(InboxSql.Store);
        _owner = Prepare(InboxSql.Owner);
    }

    // One event after another: SQLite's statements cost no round trip, and a later one sees what an earlier one wrote.
    public IReadOnlyList<InboxOutcome> Write(DbTransaction tx, IReadOnlyList<InboxEvent> events)
    {
        var outcomes = new InboxOutcome[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            outcomes[i] = !Remember(e) ? InboxOutcome.Duplicate : Store(e) ? InboxOutcome.Stored : InboxSql.StoreTaken(e, OwnerOf, Store);
        }
        return outcomes;
    }

    private bool Remember(InboxEvent e)
    {
        raw.sqlite3_bind_blob(_remember, 1, SeenEventId.KeyOf(e.ProjectId, e.Id));
        raw.sqlite3_bind_int64(_remember, 2, new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds());
        return Run(_remember);
    }

    private bool Store(InboxEvent e)
    {
        raw.sqlite3_bind_text(_store, 1, e.Id);
        raw.sqlite3_bind_int64(_store, 2, e.ProjectId);
        raw.sqlite3_bind_int(_store, 3, (int)e.Kind);
        raw.sqlite3_bind_text(_store, 4, e.Timestamp.ToString(DateFormat, CultureInfo.InvariantCulture));
        raw.sqlite3_bind_text(_store, 5, e.ReceivedAt.ToString(DateFormat, CultureInfo.InvariantCulture));
        raw.sqlite3_bind_text(_store, 6, e.Payload.AsSpan()); // UTF-8 as SQLite stores it: bound without a conversion
        raw.sqlite3_bind_text(_store, 7, e.Fingerprint);
        return Run(_store);
    }

    private long? OwnerOf(string id)
    {
        raw.sqlite3_bind_text(_owner, 1, id);
        var rc = raw.sqlite3_step(_owner);
        long? owner = rc == raw.SQLITE_ROW ? raw.sqlite3_column_int64(_owner, 0) : null;
        raw.sqlite3_reset(_owner);
        if (rc is not (raw.SQLITE_ROW or raw.SQLITE_DONE)) SqliteException.ThrowExceptionForRC(rc, _db);
        return owner;
    }

    /// <summary>Runs the bound statement; true when it inserted its row. A failure (busy, full) throws as the driver would.</summary>
    private bool Run(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement); // every parameter is bound again before the next step
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
        return raw.sqlite3_changes(_db) > 0;
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(_db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return statement;
    }

    public void Dispose()
    {
        _remember.Dispose();
        _store.Dispose();
        _owner.Dispose();
    }
}
