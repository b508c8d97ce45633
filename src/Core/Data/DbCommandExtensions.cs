using System.Data.Common;

namespace Alerts.Core.Data;

public static class DbCommandExtensions
{
    /// <summary>
    /// How long an open SQLite connection waits for another writer's lock (BEGIN included) before failing busy;
    /// PostgreSQL commands take <see cref="DbCommand.CommandTimeout"/> instead.
    /// </summary>
    public static void SetLockTimeout(this DbConnection connection, int seconds)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite) return;
        sqlite.DefaultTimeout = seconds;
        SQLitePCL.raw.sqlite3_busy_timeout(sqlite.Handle, seconds * 1000);
    }

    /// <summary>A command on the transaction's connection, enlisted in it.</summary>
    public static DbCommand CreateCommand(this DbTransaction tx)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        return cmd;
    }

    public static DbParameter AddParameter(this DbCommand cmd, string name, object? value = null)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return p;
    }
}
