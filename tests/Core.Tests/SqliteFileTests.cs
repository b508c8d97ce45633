using Alerts.Core.Data;
using Alerts.Core.Data.Sqlite;
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
        Assert.Equal((8192L, 128L), await MigratedPagesAsync("new.db")); // 1 MiB of 8 KiB pages
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
        Assert.Equal((4096L, 256L), await MigratedPagesAsync("old.db")); // still 1 MiB
    }

    /// <summary>Migrates the file with a 1 MiB cap, as `alerts migrate` would; returns its page size and page cap.</summary>
    private async Task<(long PageSize, long MaxPageCount)> MigratedPagesAsync(string file)
    {
        var provider = new SqliteProvider(Microsoft.Extensions.Options.Options.Create(new DatabaseOptions
        {
            ConnectionString = $"Data Source={Path.Combine(_dir, file)}",
            MaxSizeMegabytes = 1,
        }));
        await new DatabaseMigrator(provider, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = provider.CreateDbContext();
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
