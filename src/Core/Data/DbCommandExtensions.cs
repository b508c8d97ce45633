using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;

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

    /// <summary>
    /// A list as one parameter, for <c>IN (...)</c>: a JSON array that <c>json_each</c> unpacks on SQLite, an array
    /// that <c>unnest</c> unpacks on PostgreSQL. One parameter keeps the statement's text the same for any count, and
    /// binds in one step where @p0..@pN would each be looked up by name (a cost that grows with the square of the count).
    /// </summary>
    public static string AddList<T>(this DbCommand cmd, string name, IReadOnlyList<T> values)
    {
        if (cmd is not Microsoft.Data.Sqlite.SqliteCommand)
        {
            cmd.AddParameter(name, values.ToArray());
            return $"SELECT unnest({name})";
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var value in values)
            {
                if (value is long number) json.WriteNumberValue(number);
                else json.WriteStringValue(value?.ToString());
            }
            json.WriteEndArray();
        }
        cmd.AddParameter(name, Encoding.UTF8.GetString(buffer.WrittenSpan));
        return $"SELECT \"value\" FROM json_each({name})";
    }
}
