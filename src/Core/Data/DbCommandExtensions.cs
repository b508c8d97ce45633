using System.Data.Common;

namespace Alerts.Core.Data;

public static class DbCommandExtensions
{
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
