using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The inbox's connection and its two statements, kept open and prepared across batches: a batch costs its rows
/// and one commit, not a connection, its settings and the statements' compilation each time.
/// </summary>
internal sealed class InboxWriter : IAsyncDisposable
{
    private readonly AlertsDbContext _db;
    private readonly DbConnection _connection;
    private readonly DbCommand _seen;
    private readonly DbCommand _insert;
    private readonly DbParameter _key, _seenAt, _id, _project, _kind, _timestamp, _received, _payload, _fingerprint;

    private InboxWriter(AlertsDbContext db, int timeoutSeconds)
    {
        _db = db;
        _connection = db.Database.GetDbConnection();
        // The id table remembers every id for the idempotency window, after the event row itself may have been pruned.
        _seen = Command(timeoutSeconds, """INSERT INTO "EventIds" ("Id", "SeenAt") VALUES (@key, @seen) ON CONFLICT ("Id") DO NOTHING""");
        _key = _seen.AddParameter("@key", Array.Empty<byte>());
        _seenAt = _seen.AddParameter("@seen", 0L);
        _insert = Command(timeoutSeconds, """
            INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
            VALUES (@id, @project, @kind, @ts, @received, @payload, @fingerprint)
            ON CONFLICT ("Id") DO NOTHING
            """);
        _id = _insert.AddParameter("@id", "");
        _project = _insert.AddParameter("@project", 0L);
        _kind = _insert.AddParameter("@kind", 0);
        _timestamp = _insert.AddParameter("@ts", DateTime.UnixEpoch);
        _received = _insert.AddParameter("@received", DateTime.UnixEpoch);
        _payload = _insert.AddParameter("@payload", "");
        _fingerprint = _insert.AddParameter("@fingerprint", "");
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
    public async Task<List<string>> InsertAsync(IEnumerable<StoredEvent> events)
    {
        await using var tx = await _connection.BeginTransactionAsync();
        _seen.Transaction = tx;
        _insert.Transaction = tx;
        var added = new List<string>();
        foreach (var e in events)
        {
            _key.Value = SeenEventId.KeyOf(e.Id);
            _seenAt.Value = new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds();
            if (await _seen.ExecuteNonQueryAsync() == 0) continue;
            _id.Value = e.Id;
            _project.Value = e.ProjectId;
            _kind.Value = (int)e.Kind;
            _timestamp.Value = e.Timestamp;
            _received.Value = e.ReceivedAt;
            _payload.Value = e.Payload;
            _fingerprint.Value = (object?)e.Fingerprint ?? DBNull.Value;
            if (await _insert.ExecuteNonQueryAsync() > 0) added.Add(e.Id);
        }
        await tx.CommitAsync();
        return added;
    }

    private DbCommand Command(int timeoutSeconds, string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandTimeout = timeoutSeconds;
        cmd.CommandText = sql;
        return cmd;
    }

    public async ValueTask DisposeAsync()
    {
        await _seen.DisposeAsync();
        await _insert.DisposeAsync();
        await _db.DisposeAsync(); // closes the connection, back to the pool
    }
}
