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
    public List<string> Insert(IReadOnlyList<InboxEvent> events)
    {
        using var tx = _connection.BeginTransaction();
        var outcomes = _statements.Write(tx, events);
        tx.Commit();
        var added = new List<string>(events.Count);
        for (var i = 0; i < events.Count; i++)
            if (outcomes[i] == InboxOutcome.Stored) added.Add(events[i].Id);
        return added;
    }

    public void Dispose()
    {
        _statements.Dispose();
        _db.Dispose(); // closes the connection, back to the pool
    }
}
