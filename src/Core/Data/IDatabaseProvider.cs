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
}

/// <summary>The inbox's hot path: the three statements that remember, store and look up an accepted event.</summary>
public interface IInboxStatements : IDisposable
{
    /// <summary>Records the event's id within its project; false when it was there already (a retry).</summary>
    bool Remember(DbTransaction tx, StoredEvent e);

    /// <summary>Inserts the event; false when a row with its id is still there (its id outlived the idempotency window).</summary>
    bool Store(DbTransaction tx, StoredEvent e);

    /// <summary>The project of the stored event with this id, if one is stored.</summary>
    long? OwnerOf(DbTransaction tx, string id);
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
}

/// <summary>A provider's contexts, from options built once: a context is cheap, its options are not.</summary>
internal abstract class ProviderContexts<TContext>(DbContextOptionsBuilder<TContext> configured, Func<DbContextOptions<TContext>, TContext> create)
    where TContext : AlertsDbContext
{
    // Alerts reads to show and writes in bulk or by ExecuteUpdate: no context tracks what it read.
    private readonly DbContextOptions<TContext> _options = configured.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking).Options;

    public AlertsDbContext CreateDbContext() => create(_options);
}
