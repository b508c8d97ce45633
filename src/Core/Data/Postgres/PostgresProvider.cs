using System.Data.Common;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Data.Postgres;

/// <summary>The scale-out database: many writers, each process's and every node's, meet at PostgreSQL's row locks.</summary>
internal sealed class PostgresProvider(IOptions<DatabaseOptions> options) : ProviderContexts<PostgresAlertsDbContext>(
    new DbContextOptionsBuilder<PostgresAlertsDbContext>().UseNpgsql(options.Value.ConnectionString,
        o => o.UseParameterizedCollectionMode(ListsAsOneParameter)), o => new PostgresAlertsDbContext(o)),
    IDatabaseProvider
{
    public bool OneWriter => false;

    public Task ConfigureMigratedAsync(DatabaseFacade database, CancellationToken ct) => Task.CompletedTask;

    public IInboxStatements PrepareInbox(DbConnection connection, int timeoutSeconds) => new PostgresInboxStatements(connection, timeoutSeconds);

    public async Task<T> WalkingIndexesAsync<T>(DatabaseFacade database, Func<Task<T>> query, CancellationToken ct)
    {
        await database.OpenConnectionAsync(ct); // the setting is the connection's: it stays open for the query
        try
        {
            await database.ExecuteSqlRawAsync("SET enable_bitmapscan = off", ct);
            var result = await query();
            // Left as it is when the query fails: a failed transaction rolls the setting back, and the pool's reset
            // (DISCARD ALL) clears it before the connection serves anyone else.
            await database.ExecuteSqlRawAsync("RESET enable_bitmapscan", ct);
            return result;
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }
}

// Used by `dotnet ef migrations add` only.
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAlertsDbContext>
{
    public PostgresAlertsDbContext CreateDbContext(string[] args) => new(new DbContextOptionsBuilder<PostgresAlertsDbContext>().UseNpgsql("Host=localhost;Database=alerts_design").Options);
}
