using System.Data.Common;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The inbox's connection and its statements, kept open and prepared across batches: a batch costs its rows and one
/// commit, not a connection, its settings and the statements' compilation each time. Synchronous: it runs on the
/// inbox's own writer thread.
/// </summary>
internal sealed class InboxWriter : IDisposable
{
    private readonly AlertsDbContext _db;
    private readonly DbConnection _connection;
    private readonly IInboxStatements _statements;

    private InboxWriter(AlertsDbContext db, IInboxStatements statements)
    {
        _db = db;
        _connection = db.Database.GetDbConnection();
        _statements = statements;
    }

    public static InboxWriter Open(IDatabaseProvider provider, int timeoutSeconds)
    {
        var db = provider.CreateDbContext();
        try
        {
            db.Database.OpenConnection();
            return new InboxWriter(db, provider.PrepareInbox(db.Database.GetDbConnection(), timeoutSeconds));
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
        if (!_statements.Remember(tx, e)) return false;
        if (_statements.Store(tx, e)) return true;
        // Read only on a taken id, off the common path: this project's own retry stays one event, another's id is not ours to skip.
        if (_statements.OwnerOf(tx, e.Id) == e.ProjectId) return false;
        e.Id = StoredEvent.NewId();
        return _statements.Store(tx, e);
    }

    public void Dispose()
    {
        _statements.Dispose();
        _db.Dispose(); // closes the connection, back to the pool
    }
}
