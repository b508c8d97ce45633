using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Alerts.Bench;

/// <summary>
/// The inbox's batch written to a durable PostgreSQL in each shape worth trying (<c>--inbox-shapes</c>): a prepared
/// statement per row, multi-row VALUES, arrays with <c>unnest</c> (the inbox's own statement, through its provider
/// seam), and binary COPY into a staging table. Each shape commits batches of the 1.5 KB event on one connection and on
/// eight at once for a few seconds; the figure is events committed per second.
/// </summary>
internal sealed class InboxShapes(Action<string> log)
{
    private const int Batch = 64;
    private static readonly TimeSpan Each = TimeSpan.FromSeconds(8);

    public async Task<string> RunAsync()
    {
        await using var postgres = await PostgresServer.StartAsync(durable: true);
        var connection = await postgres.CreateDatabaseAsync("shapes");
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddAlertsDatabase(DatabaseProvider.Postgres)
            .Configure<DatabaseOptions>(o => (o.Provider, o.ConnectionString) = (DatabaseProvider.Postgres, connection))
            .BuildServiceProvider();
        var provider = services.GetRequiredService<IDatabaseProvider>();
        await using (var db = provider.CreateDbContext()) await db.Database.MigrateAsync();
        var payload = await File.ReadAllBytesAsync(Path.Combine(RepoPaths.Root, "bench", "event.json"));

        var shapes = new (string Name, Func<NpgsqlConnection, Action<NpgsqlTransaction, List<InboxEvent>>> Prepare)[]
        {
            ("prepared statement per row (2 per event)", PerRow),
            ("multi-row VALUES (2 statements, one round trip)", MultiRow),
            ("arrays + unnest (1 prepared statement, the inbox's)", c => Unnest(provider, c)),
            ("binary COPY to staging + INSERT ... SELECT", Copy),
        };
        var sb = new StringBuilder("| shape | 1 connection, events/s | 8 connections, events/s |\n|---|---|---|\n");
        foreach (var (name, prepare) in shapes)
        {
            var one = await MeasureAsync(connection, prepare, payload, 1);
            var eight = await MeasureAsync(connection, prepare, payload, 8);
            log($"{name}: {one:F0} / {eight:F0} events/s");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {one:F0} | {eight:F0} |");
        }
        return $"Batches of {Batch} events of bench/event.json, {Each.TotalSeconds:F0} s per cell, durable PostgreSQL, load average {Machine.LoadAverage()}:\n\n{sb}";
    }

    private static async Task<double> MeasureAsync(string connection, Func<NpgsqlConnection, Action<NpgsqlTransaction, List<InboxEvent>>> prepare, byte[] payload, int writers)
    {
        long events = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() =>
        {
            using var db = new NpgsqlConnection(connection);
            db.Open();
            var write = prepare(db);
            while (clock.Elapsed < Each)
            {
                var now = DateTime.UtcNow;
                var batch = Enumerable.Range(0, Batch).Select(_ => new InboxEvent
                {
                    Id = StoredEvent.NewId(), ProjectId = 1, Kind = EventKind.Error, Timestamp = now, ReceivedAt = now, Payload = payload, Fingerprint = "bench",
                }).ToList();
                using var tx = db.BeginTransaction();
                write(tx, batch);
                tx.Commit();
                Interlocked.Add(ref events, Batch);
            }
        })));
        return events / clock.Elapsed.TotalSeconds;
    }

    private static Action<NpgsqlTransaction, List<InboxEvent>> Unnest(IDatabaseProvider provider, NpgsqlConnection connection)
    {
        var statements = provider.PrepareInbox(connection, 30);
        return (tx, batch) => statements.Write(tx, batch);
    }

    private static Action<NpgsqlTransaction, List<InboxEvent>> PerRow(NpgsqlConnection connection)
    {
        var remember = Prepared(connection, """INSERT INTO "EventIds" ("Id", "SeenAt") VALUES ($1, $2) ON CONFLICT ("Id") DO NOTHING""",
            NpgsqlDbType.Bytea, NpgsqlDbType.Bigint);
        var store = Prepared(connection, """
            INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("Id") DO NOTHING
            """, NpgsqlDbType.Text, NpgsqlDbType.Bigint, NpgsqlDbType.Integer, NpgsqlDbType.TimestampTz, NpgsqlDbType.TimestampTz, NpgsqlDbType.Text, NpgsqlDbType.Text);
        return (tx, batch) =>
        {
            foreach (var e in batch)
            {
                Run(remember, tx, SeenEventId.KeyOf(e.ProjectId, e.Id), new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds());
                Run(store, tx, e.Id, e.ProjectId, (int)e.Kind, e.Timestamp, e.ReceivedAt, e.Payload, e.Fingerprint);
            }
        };
    }

    private static Action<NpgsqlTransaction, List<InboxEvent>> MultiRow(NpgsqlConnection connection) => (tx, batch) =>
    {
        // One statement text per batch size; the ids' outcome comes back for the events to insert.
        using var cmd = new NpgsqlBatch(connection, tx);
        var ids = new NpgsqlBatchCommand(new StringBuilder("""INSERT INTO "EventIds" ("Id", "SeenAt") VALUES """)
            .AppendJoin(", ", batch.Select((_, i) => $"(${2 * i + 1}, ${2 * i + 2})")).Append(""" ON CONFLICT ("Id") DO NOTHING""").ToString());
        var rows = new NpgsqlBatchCommand(new StringBuilder("""INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint") VALUES """)
            .AppendJoin(", ", batch.Select((_, i) => $"(${7 * i + 1}, ${7 * i + 2}, ${7 * i + 3}, ${7 * i + 4}, ${7 * i + 5}, ${7 * i + 6}, ${7 * i + 7})"))
            .Append(""" ON CONFLICT ("Id") DO NOTHING""").ToString());
        foreach (var e in batch)
        {
            ids.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = SeenEventId.KeyOf(e.ProjectId, e.Id) });
            ids.Parameters.Add(new NpgsqlParameter<long> { TypedValue = new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds() });
            rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Id });
            rows.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.ProjectId });
            rows.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)e.Kind });
            rows.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = e.Timestamp });
            rows.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = e.ReceivedAt });
            rows.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = e.Payload, NpgsqlDbType = NpgsqlDbType.Text });
            rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Fingerprint });
        }
        cmd.BatchCommands.Add(ids);
        cmd.BatchCommands.Add(rows);
        cmd.ExecuteNonQuery();
    };

    private static Action<NpgsqlTransaction, List<InboxEvent>> Copy(NpgsqlConnection connection)
    {
        using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE staging (key bytea, seen_at bigint, id text, project_id bigint, kind integer,
                occurred_at timestamptz, received_at timestamptz, payload text, fingerprint text) ON COMMIT DELETE ROWS
            """, connection)) create.ExecuteNonQuery();
        // COPY cannot skip a conflict: the rows go to a staging table, and two statements move the new ones.
        var move = Prepared(connection, """
            WITH remembered AS (
                INSERT INTO "EventIds" ("Id", "SeenAt") SELECT key, seen_at FROM staging ON CONFLICT ("Id") DO NOTHING RETURNING "Id")
            INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload", "Fingerprint")
            SELECT s.id, s.project_id, s.kind, s.occurred_at, s.received_at, s.payload, s.fingerprint
            FROM staging s JOIN remembered r ON r."Id" = s.key ON CONFLICT ("Id") DO NOTHING
            """);
        return (tx, batch) =>
        {
            using (var copy = connection.BeginBinaryImport("COPY staging FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var e in batch)
                {
                    copy.StartRow();
                    copy.Write(SeenEventId.KeyOf(e.ProjectId, e.Id), NpgsqlDbType.Bytea);
                    copy.Write(new DateTimeOffset(e.ReceivedAt).ToUnixTimeSeconds(), NpgsqlDbType.Bigint);
                    copy.Write(e.Id, NpgsqlDbType.Text);
                    copy.Write(e.ProjectId, NpgsqlDbType.Bigint);
                    copy.Write((int)e.Kind, NpgsqlDbType.Integer);
                    copy.Write(e.Timestamp, NpgsqlDbType.TimestampTz);
                    copy.Write(e.ReceivedAt, NpgsqlDbType.TimestampTz);
                    copy.Write(e.Payload, NpgsqlDbType.Text);
                    copy.Write(e.Fingerprint, NpgsqlDbType.Text);
                }
                copy.Complete();
            }
            move.Transaction = tx;
            move.ExecuteNonQuery();
        };
    }

    private static NpgsqlCommand Prepared(NpgsqlConnection connection, string sql, params NpgsqlDbType[] types)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        foreach (var t in types) cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = t });
        cmd.Prepare();
        return cmd;
    }

    private static void Run(NpgsqlCommand cmd, NpgsqlTransaction tx, params object[] values)
    {
        cmd.Transaction = tx;
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
        cmd.ExecuteNonQuery();
    }
}
