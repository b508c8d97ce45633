using Alerts.Core.Data;
using Alerts.Core.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerts.Core.Tests;

/// <summary>The SQLite file's pages and its size cap, on real database files.</summary>
public sealed class SqliteFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-sqlite-").FullName;

    [Fact]
    public async Task NewDatabase_Gets8KiBPages_AndTheCapCountsThem()
    {
        var factory = Factory("new.db", maxSizeMegabytes: 1);
        await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal((8192L, 128L), await PagesAsync(factory)); // 1 MiB of 8 KiB pages
    }

    [Fact]
    public async Task OlderDatabase_Keeps4KiBPages_AndItsCapStaysAtTheSameSize()
    {
        var path = Path.Combine(_dir, "old.db");
        await using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await old.OpenAsync();
            await using var cmd = old.CreateCommand();
            cmd.CommandText = "PRAGMA page_size=4096; CREATE TABLE \"Kept\" (\"Id\" INTEGER PRIMARY KEY);";
            await cmd.ExecuteNonQueryAsync();
        }
        var factory = Factory("old.db", maxSizeMegabytes: 1);
        await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        Assert.Equal((4096L, 256L), await PagesAsync(factory)); // still 1 MiB
    }

    private AlertsDbContextFactory Factory(string file, int maxSizeMegabytes) =>
        new(Microsoft.Extensions.Options.Options.Create(new DatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(_dir, file)}",
            MaxSizeMegabytes = maxSizeMegabytes,
        }));

    private static async Task<(long PageSize, long MaxPageCount)> PagesAsync(AlertsDbContextFactory factory)
    {
        await using var db = factory.CreateDbContext();
        await db.Database.OpenConnectionAsync();
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = "PRAGMA page_size";
        var pageSize = (long)(await cmd.ExecuteScalarAsync())!;
        cmd.CommandText = "PRAGMA max_page_count";
        return (pageSize, (long)(await cmd.ExecuteScalarAsync())!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools(); // release the files before they are deleted
        Directory.Delete(_dir, recursive: true);
    }
}
