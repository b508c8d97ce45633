using System.Data.Common;
using System.Globalization;
using Alerts.Core.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Alerts.Core.Data.Postgres;

/// <summary>
/// The inbox's batch as one prepared statement: the events travel as arrays, <c>unnest</c> turns them into rows, and the
/// ids and the events are inserted in one round trip, whatever the batch's size. (Measured against a multi-row VALUES
/// statement and binary COPY in docs/scaling.md: COPY cannot skip a retry's id, and VALUES is a new statement per size.)
/// </summary>
internal sealed class PostgresInboxStatements : IInboxStatements
{
    private const string WriteBatch = """
        WITH input AS (
            SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::text[], $4::bigint[], $5::integer[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
                WITH ORDINALITY AS t(key, seen_at, id, project_id, kind, occurred_at, received_at, payload, fingerprint, n)
        ), remembered AS (
            INSERT INTO "EventIds" ("Id", "SeenAt") SELECT key, seen_at FROM input ORDER BY key
            ON CONFLICT ("Id") DO NOTHING RETURNING "Id"
        ), stored AS (
            INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
            SELECT i.id, i.project_id, i.kind, i.occurred_at, i.received_at, i.payload, i.fingerprint
            FROM input i JOIN remembered r ON r."Id" = i.key ORDER BY i.id
            ON CONFLICT ("Id") DO NOTHING RETURNING "Id", "ProjectId"
        )
        SELECT r."Id" IS NOT NULL, s."Id" IS NOT NULL
        FROM input i
        LEFT JOIN remembered r ON r."Id" = i.key
        LEFT JOIN stored s ON s."Id" = i.id AND s."ProjectId" = i.project_id
        ORDER BY i.n
        """;

    private readonly NpgsqlConnection _connection;
    private readonly int _timeoutSeconds;
    private readonly NpgsqlCommand _write;
    private readonly NpgsqlParameter<byte[][]> _keys = ArrayOf<byte[][]>(NpgsqlDbType.Bytea);
    private readonly NpgsqlParameter<long[]> _seenAt = ArrayOf<long[]>(NpgsqlDbType.Bigint);
    private readonly NpgsqlParameter<string[]> _ids = ArrayOf<string[]>(NpgsqlDbType.Text);
    private readonly NpgsqlParameter<long[]> _projects = ArrayOf<long[]>(NpgsqlDbType.Bigint);
    private readonly NpgsqlParameter<int[]> _kinds = ArrayOf<int[]>(NpgsqlDbType.Integer);
    private readonly NpgsqlParameter<DateTime[]> _timestamps = ArrayOf<DateTime[]>(NpgsqlDbType.TimestampTz);
    private readonly NpgsqlParameter<DateTime[]> _received = ArrayOf<DateTime[]>(NpgsqlDbType.TimestampTz);
    private readonly NpgsqlParameter<byte[][]> _payloads = ArrayOf<byte[][]>(NpgsqlDbType.Text); // UTF-8 JSON, sent as text as it is
    private readonly NpgsqlParameter<string[]> _fingerprints = ArrayOf<string[]>(NpgsqlDbType.Text);

    public PostgresInboxStatements(DbConnection connection, int timeoutSeconds)
    {
        _connection = (NpgsqlConnection)connection;
        _timeoutSeconds = timeoutSeconds;
        _write = new NpgsqlCommand(WriteBatch, _connection) { CommandTimeout = timeoutSeconds };
        _write.Parameters.AddRange(new NpgsqlParameter[] { _keys, _seenAt, _ids, _projects, _kinds, _timestamps, _received, _payloads, _fingerprints });
        _write.Prepare(); // parsed and planned once per connection; each batch sends its arrays only
    }

    public IReadOnlyList<InboxOutcome> Write(DbTransaction tx, IReadOnlyList<InboxEvent> events)
    {
        var outcomes = new InboxOutcome[events.Count];
        // A batch's second copy of an event (a retry that came in beside the first) is a duplicate here: one statement
        // cannot tell which of two equal rows it inserted.
        var seen = new HashSet<(long, string)>();
        var sent = new List<(int Index, byte[] Key)>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (seen.Add((events[i].ProjectId, events[i].Id))) sent.Add((i, SeenEventId.KeyOf(events[i].ProjectId, events[i].Id)));
            else outcomes[i] = InboxOutcome.Duplicate;
        }
        Bind(events, sent);
        _write.Transaction = (NpgsqlTransaction)tx;
        var taken = new List<int>();
        using (var reader = _write.ExecuteReader())
        {
            foreach (var (index, _) in sent)
            {
                if (!reader.Read()) throw new InvalidOperationException("The inbox statement returned fewer rows than events.");
                var (remembered, stored) = (reader.GetBoolean(0), reader.GetBoolean(1));
                outcomes[index] = remembered ? InboxOutcome.Stored : InboxOutcome.Duplicate;
                if (remembered && !stored) taken.Add(index);
            }
        }
        foreach (var index in taken)
            outcomes[index] = InboxSql.StoreTaken(events[index], id => OwnerOf(tx, id), x => Store(tx, x));
        return outcomes;
    }

    private void Bind(IReadOnlyList<InboxEvent> events, List<(int Index, byte[] Key)> sent)
    {
        var n = sent.Count;
        _keys.TypedValue = new byte[n][];
        _seenAt.TypedValue = new long[n];
        _ids.TypedValue = new string[n];
        _projects.TypedValue = new long[n];
        _kinds.TypedValue = new int[n];
        _timestamps.TypedValue = new DateTime[n];
        _received.TypedValue = new DateTime[n];
        _payloads.TypedValue = new byte[n][];
        _fingerprints.TypedValue = new string[n];
        for (var j = 0; j < n; j++)
        {
            var e = events[sent[j].Index];
            _keys.TypedValue[j] = sent[j].Key;
            _seenAt.TypedValue[j] = new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds();
            _ids.TypedValue[j] = e.Id;
            _projects.TypedValue[j] = e.ProjectId;
            _kinds.TypedValue[j] = (int)e.Kind;
            _timestamps.TypedValue[j] = e.Timestamp;
            _received.TypedValue[j] = e.ReceivedAt;
            _payloads.TypedValue[j] = e.Payload;
            _fingerprints.TypedValue[j] = e.Fingerprint;
        }
    }

    private long? OwnerOf(DbTransaction tx, string id)
    {
        using var cmd = Command(tx, InboxSql.Owner, id);
        return cmd.ExecuteScalar() is { } owner and not DBNull ? Convert.ToInt64(owner, CultureInfo.InvariantCulture) : null;
    }

    private bool Store(DbTransaction tx, InboxEvent e)
    {
        using var cmd = Command(tx, InboxSql.Store, e.Id, e.ProjectId, (int)e.Kind, e.Timestamp, e.ReceivedAt, Text(e.Payload), e.Fingerprint);
        return cmd.ExecuteNonQuery() > 0;
    }

    // Off the hot path: unprepared, bound by position ($1, $2, ... in order).
    private NpgsqlCommand Command(DbTransaction tx, string sql, params object[] values)
    {
        var cmd = new NpgsqlCommand(sql, _connection, (NpgsqlTransaction)tx) { CommandTimeout = _timeoutSeconds };
        foreach (var v in values) cmd.Parameters.Add(v as NpgsqlParameter ?? new NpgsqlParameter { Value = v });
        return cmd;
    }

    private static NpgsqlParameter<byte[]> Text(byte[] utf8) => new() { TypedValue = utf8, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter<T> ArrayOf<T>(NpgsqlDbType element) => new() { NpgsqlDbType = NpgsqlDbType.Array | element };

    public void Dispose() => _write.Dispose();
}
