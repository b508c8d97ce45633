using Alerts.Core.Data;
using Alerts.Core.Data.Postgres;
using Alerts.Core.Data.Sqlite;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerts.Core.Tests;

/// <summary>
/// Grouping claims up to a thousand event ids in one query: each provider sends such a list as one array parameter, not a
/// parameter per id (which SQLite's driver binds by name, one scan of the statement's names per id).
/// </summary>
public sealed class ProviderListParameterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-lists-").FullName;

    [Fact]
    public async Task Sqlite_AThousandIds_TravelAsOneParameter_AndFindTheirRows()
    {
        var provider = new SqliteProvider(Microsoft.Extensions.Options.Options.Create(new DatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(_dir, "lists.db")}",
        }));
        await new DatabaseMigrator(provider, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = provider.CreateDbContext();
        db.Projects.Add(new Project { Id = 1, Name = "p" });
        var stored = Enumerable.Range(0, 40).Select(i => new StoredEvent
        {
            Id = $"stored-{i}", ProjectId = 1, Kind = EventKind.Error, Payload = "{}", Fingerprint = "f",
        }).ToList();
        db.Events.AddRange(stored);
        await db.SaveChangesAsync();

        // The 40 stored events among a thousand ids, the others unknown.
        var ids = Enumerable.Range(0, 1000).Select(i => i % 25 == 0 ? $"stored-{i / 25}" : $"unknown-{i}").ToList();
        var query = db.Events.Where(e => ids.Contains(e.Id)).Select(e => e.Id);

        var sql = query.ToQueryString();
        Assert.Contains("json_each", sql);
        Assert.Single(sql.Split('\n'), line => line.StartsWith(".param set", StringComparison.Ordinal));
        Assert.Equal(stored.Select(e => e.Id).Order(), (await query.ToListAsync()).Order());
    }

    [Fact]
    public void Postgres_AThousandIds_TravelAsOneArray()
    {
        var provider = new PostgresProvider(Microsoft.Extensions.Options.Options.Create(new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = "Host=localhost;Database=unused",
        }));
        using var db = provider.CreateDbContext();
        var ids = Enumerable.Range(0, 1000).Select(i => $"id-{i}").ToList();

        var sql = db.Events.Where(e => ids.Contains(e.Id)).Select(e => e.Id).ToQueryString(); // built, never sent

        Assert.Contains("= ANY (@ids)", sql);
        Assert.DoesNotContain("@ids2", sql);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools(); // release the file before it is deleted
        Directory.Delete(_dir, recursive: true);
    }
}
