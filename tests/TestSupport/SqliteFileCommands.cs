using Microsoft.Data.Sqlite;

namespace Alerts.TestSupport;

/// <summary>SQL a test runs on an app's SQLite file, as an operator would: its own connection, unpooled, outside the app's settings.</summary>
public static class SqliteFileCommands
{
    public static async Task ExecuteAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
