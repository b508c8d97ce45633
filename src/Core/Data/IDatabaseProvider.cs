using System.Data.Common;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Alerts.Core.Data;

/// <summary>
/// What differs between the databases Alerts runs on, one implementation per provider (<c>Data/Sqlite</c>,
/// <c>Data/Postgres</c>), chosen once at registration: code outside them does not ask which provider it runs on.
/// </summary>
public interface IDatabaseProvider : IDbContextFactory<AlertsDbContext>
{
    /// <summary>Whether the database takes one writer at a time, so a process's writers queue in <see cref="WriteGate"/>.</summary>
    bool OneWriter { get; }

    /// <summary>Settles what a migration leaves to the provider (SQLite's journal mode).</summary>
    Task ConfigureMigratedAsync(DatabaseFacade database, CancellationToken ct);

    /// <summary>The inbox's statements, prepared once on the writer's open connection; a write waits at most this long.</summary>
    IInboxStatements PrepareInbox(DbConnection connection, int timeoutSeconds);

    /// <summary>
    /// Runs <paramref name="query"/> finding rows by walking indexes entry by entry, not in bitmaps. The events table
    /// churns: under a flood its indexes hold tens of thousands of entries of rows gone since the last vacuum. A walk marks
    /// those dead as it passes, so the next one skips them; PostgreSQL's bitmap scans, which its planner prefers as it
    /// counts only live rows, visit all of them every time (5-700 ms a statement, measured in bench/RESULTS.md).
    /// </summary>
    Task<T> WalkingIndexesAsync<T>(DatabaseFacade database, Func<Task<T>> query, CancellationToken ct);
}

/// <summary>What became of an event the inbox was given.</summary>
public enum InboxOutcome
{
    /// <summary>Stored (under a new id, written into the event, when another project's stored event holds its id).</summary>
    Stored,

    /// <summary>Seen before within its project (a retry, or twice in one batch): stored once, not again.</summary>
    Duplicate,
}

/// <summary>The inbox's hot path: remembers, stores and looks up a batch of accepted events in the writer's transaction.</summary>
public interface IInboxStatements : IDisposable
{
    /// <summary>
    /// Writes the batch in <paramref name="tx"/>; one outcome per event, in order. An event whose id a stored event of another
    /// project holds is stored under a new id, written into it; one whose id is still stored for its own project is a duplicate.
    /// </summary>
    IReadOnlyList<InboxOutcome> Write(DbTransaction tx, IReadOnlyList<InboxEvent> events);
}

/// <summary>The inbox's SQL, with positional parameters that SQLite and PostgreSQL both take.</summary>
internal static class InboxSql
{
    // The id table remembers every id (by its key within its project, SeenEventId.KeyOf) for the idempotency window,
    // after the event row itself may have been pruned.
    public const string Remember = """INSERT INTO "EventIds" ("Id", "SeenAt") VALUES ($1, $2) ON CONFLICT ("Id") DO NOTHING""";
    public const string Store = """
        INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("Id") DO NOTHING
        """;
    public const string Owner = """SELECT "ProjectId" FROM "Events" WHERE "Id" = $1""";

    /// <summary>
    /// The rare path after an event was remembered as new but its id is taken in the events table: this project's own
    /// event (its id outlived the idempotency window) makes it a duplicate; another project's gets it a new id.
    /// </summary>
    public static InboxOutcome StoreTaken(InboxEvent e, Func<string, long?> ownerOf, Func<InboxEvent, bool> store)
    {
        if (ownerOf(e.Id) == e.ProjectId) return InboxOutcome.Duplicate;
        e.Id = StoredEvent.NewId();
        return store(e) ? InboxOutcome.Stored : throw new InvalidOperationException("A new event id was taken.");
    }
}

/// <summary>A provider's contexts, from options built once: a context is cheap, its options are not.</summary>
internal abstract class ProviderContexts<TContext>(DbContextOptionsBuilder<TContext> configured, Func<DbContextOptions<TContext>, TContext> create)
    where TContext : AlertsDbContext
{
    // A list in a query (ids.Contains(e.Id)) travels as one array parameter: json_each in SQLite, = ANY in PostgreSQL
    // (Npgsql's default too). EF Core 10's SQLite default binds one parameter per element, each looked up by name by a scan.
    protected const ParameterTranslationMode ListsAsOneParameter = ParameterTranslationMode.Parameter;

    // Alerts reads to show and writes in bulk or by ExecuteUpdate: no context tracks what it read.
    private readonly DbContextOptions<TContext> _options = configured.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking).Options;

    public AlertsDbContext CreateDbContext() => create(_options);
}
