using System.Data.Common;
using System.Globalization;
using Alerts.Core.Domain;

namespace Alerts.Core.Data.Postgres;

/// <summary>The inbox's statements as commands kept across batches, bound by position, each run in the batch's transaction.</summary>
internal sealed class PostgresInboxStatements(DbConnection connection, int timeoutSeconds) : IInboxStatements
{
    private readonly DbCommand _remember = Command(connection, InboxSql.Remember, 2, timeoutSeconds);
    private readonly DbCommand _store = Command(connection, InboxSql.Store, 7, timeoutSeconds);
    private readonly DbCommand _owner = Command(connection, InboxSql.Owner, 1, timeoutSeconds);

    public bool Remember(DbTransaction tx, StoredEvent e) =>
        Run(_remember, tx, SeenEventId.KeyOf(e.ProjectId, e.Id), new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds());

    public bool Store(DbTransaction tx, StoredEvent e) =>
        Run(_store, tx, e.Id, e.ProjectId, (int)e.Kind, e.Timestamp, e.ReceivedAt, e.Payload, (object?)e.Fingerprint ?? DBNull.Value);

    public long? OwnerOf(DbTransaction tx, string id)
    {
        _owner.Transaction = tx;
        _owner.Parameters[0].Value = id;
        return _owner.ExecuteScalar() is { } owner and not DBNull ? Convert.ToInt64(owner, CultureInfo.InvariantCulture) : null;
    }

    private static bool Run(DbCommand cmd, DbTransaction tx, params object[] values)
    {
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        return cmd.ExecuteNonQuery() > 0;
    }

    private static DbCommand Command(DbConnection connection, string sql, int parameters, int timeoutSeconds)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandTimeout = timeoutSeconds;
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(cmd.CreateParameter()); // unnamed: $1, $2, ... in order
        return cmd;
    }

    public void Dispose()
    {
        _remember.Dispose();
        _store.Dispose();
        _owner.Dispose();
    }
}
