using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Alerts.TestSupport;
using Npgsql;

namespace Alerts.Bench;

/// <summary>
/// Alerts on PostgreSQL (started here, durable: fsync and synchronous commit on), as one <c>alerts serve</c> with the
/// in-memory bus (<c>--provider postgres</c>) or as the scale-out layout (<c>--layout scale-out</c>: RabbitMQ, two
/// collectors, two notifiers and a dashboard as processes of their own, a wrk on each collector). Rounds alternate with
/// the bare Kestrel reference; after the load it measures how long grouping takes to catch up, whether the count is
/// exact, the mails, the first mail's latency, the lock waits sampled from pg_locks, and the CPU each process used.
/// </summary>
internal sealed class PostgresRun(BenchSettings settings, Action<string> log)
{
    private const string Key = "bench-0123456789abcdef";

    public async Task<string> RunAsync()
    {
        var scaleOut = settings.Layout == BenchLayout.ScaleOut;
        var load = Machine.LoadAverage();
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, requireStartTls: false);
        await using var postgres = await PostgresServer.StartAsync(durable: true, statementStats: true);
        await using var rabbit = scaleOut ? await RabbitMqServer.StartAsync() : null;
        var connection = await postgres.CreateDatabaseAsync("alerts");
        var env = Settings(smtp.Port, connection, rabbit?.Uri);
        var processes = new List<(string Name, AlertsProcess Process)>();
        try
        {
            await using (var migrator = new AlertsProcess()) await Check(migrator.RunAsync(env, "migrate"));
            if (scaleOut)
            {
                foreach (var (name, roles) in new[] { ("collector 1", "collector"), ("collector 2", "collector"), ("notifier 1", "notifier"), ("notifier 2", "notifier"), ("dashboard", "dashboard") })
                    processes.Add((name, new AlertsProcess()));
                // One after another: five .NET start-ups at once on a loaded box outlast the start timeout.
                foreach (var (name, process) in processes) await process.StartServeAsync(env, name.Split(' ')[0]);
            }
            else
            {
                processes.Add(("alerts serve", new AlertsProcess()));
                await processes[0].Process.StartServeAsync(env);
            }
            var collectors = processes.Where(p => p.Name.StartsWith("collector", StringComparison.Ordinal) || p.Name == "alerts serve").Select(p => p.Process).ToList();
            var (reference, referenceAddress) = await BenchRun.StartReferenceAsync();
            await using var referenceProcess = reference;

            log("warming up");
            await Wrk.RunAsync(referenceAddress, TimeSpan.FromSeconds(settings.WarmupSeconds), Key);
            var accepted = (await LoadAsync(collectors, TimeSpan.FromSeconds(settings.WarmupSeconds))).Sum(r => r.Accepted);
            await WaitCountedAsync(connection, accepted);

            await ExecuteAsync(connection, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();");
            var cpuBefore = CpuSplit(processes, postgres, rabbit);
            var machineBefore = MachineCpu();
            using var sampling = new CancellationTokenSource();
            var lockWaits = SampleLockWaitsAsync(connection, sampling.Token);
            var rows = new List<(WrkResult Reference, double Alerts, double P99)>();
            double aliveSeconds = 0;
            for (var i = 1; i <= settings.Rounds; i++)
            {
                var refRun = await Wrk.RunAsync(referenceAddress, TimeSpan.FromSeconds(settings.RoundSeconds), Key);
                var clock = Stopwatch.StartNew();
                var runs = await LoadAsync(collectors, TimeSpan.FromSeconds(settings.RoundSeconds));
                aliveSeconds += clock.Elapsed.TotalSeconds;
                accepted += runs.Sum(r => r.Accepted);
                var perSecond = runs.Sum(r => r.AcceptedPerSecond);
                rows.Add((refRun, perSecond, runs.Max(r => r.P99Ms)));
                log($"round {i}: reference {refRun.AcceptedPerSecond:F0} req/s, alerts {perSecond:F0} accepted/s ({perSecond / refRun.AcceptedPerSecond:P1}), {string.Join(" + ", runs.Select(r => r.AcceptedPerSecond.ToString("F0", CultureInfo.InvariantCulture)))}");
            }
            // Grouping keeps up when the ungrouped backlog is gone soon after the last round.
            var drain = Stopwatch.StartNew();
            await WaitCountedAsync(connection, accepted);
            var drained = drain.Elapsed;
            await sampling.CancelAsync();
            var (waitAverage, waitMax) = await lockWaits;
            var cpu = CpuSplit(processes, postgres, rabbit).Select(p => (p.Name, Seconds: p.Seconds - cpuBefore.Single(b => b.Name == p.Name).Seconds)).ToList();
            var machine = MachineCpu() - machineBefore;

            var statements = await StatementsAsync(connection);
            var counted = await ScalarAsync(connection, """SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" """);
            var floodMails = await smtp.GetMailsAsync();
            var mails = await FirstMailsAsync(collectors, smtp);
            var ratio = rows.Sum(r => r.Alerts) / rows.Sum(r => r.Reference.AcceptedPerSecond);
            return Markdown(load, rows, ratio, accepted, counted, drained, floodMails, mails, waitAverage, waitMax, cpu, machine, aliveSeconds) + statements;
        }
        finally
        {
            foreach (var (_, process) in processes) await process.DisposeAsync();
        }
    }

    /// <summary>wrk on every collector at once (-t2 -c64 on one process; -t1 -c32 on each of two).</summary>
    private static Task<WrkResult[]> LoadAsync(List<AlertsProcess> collectors, TimeSpan duration) =>
        Task.WhenAll(collectors.Select(c => Wrk.RunAsync(c.BaseAddress, duration, Key, threads: collectors.Count == 1 ? 2 : 1, connections: Wrk.Connections / collectors.Count)));

    /// <summary>Polls every 20 ms, so the drain time is the grouping's and not the poll's.</summary>
    private static async Task WaitCountedAsync(string connection, long accepted)
    {
        var clock = Stopwatch.StartNew();
        while (await ScalarAsync(connection, """SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" """) < accepted)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"{accepted} accepted events were not counted in 10 min.");
            await Task.Delay(20);
        }
    }

    /// <summary>Sessions waiting for a lock, sampled every 100 ms: the mean and the most at once.</summary>
    private static async Task<(double Average, long Max)> SampleLockWaitsAsync(string connection, CancellationToken ct)
    {
        var samples = new List<long>();
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync(CancellationToken.None);
        await using var cmd = new NpgsqlCommand("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted", db);
        while (!ct.IsCancellationRequested)
        {
            samples.Add(Convert.ToInt64(await cmd.ExecuteScalarAsync(CancellationToken.None), CultureInfo.InvariantCulture));
            try { await Task.Delay(100, ct); }
            catch (OperationCanceledException) { break; }
        }
        return samples.Count == 0 ? (0, 0) : (samples.Average(), samples.Max());
    }

    /// <summary>First occurrences, one at a time, through the collectors in turn: from the POST to the mail in the SMTP server's hands.</summary>
    private async Task<List<double>> FirstMailsAsync(List<AlertsProcess> collectors, AiosmtpdServer mailbox)
    {
        var times = new List<double>();
        for (var i = 0; i < settings.Mails; i++)
        {
            var seen = (await mailbox.GetMailsAsync()).Count;
            var clock = Stopwatch.StartNew();
            using var response = await collectors[i % collectors.Count].Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: $"BenchError{i}"), Key));
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"POST answered {response.StatusCode}.");
            while ((await mailbox.GetMailsAsync()).Count <= seen)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"No mail for first occurrence {i}.");
                await Task.Delay(2);
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        log($"event to mail: median {BenchRun.Median(times):F0} ms");
        return times;
    }

    /// <summary>CPU seconds used so far by each part: every alerts process, PostgreSQL's and RabbitMQ's process trees.</summary>
    private static List<(string Name, double Seconds)> CpuSplit(List<(string Name, AlertsProcess Process)> processes, PostgresServer postgres, RabbitMqServer? rabbit)
    {
        var split = processes.Select(p => (p.Name, Machine.CpuTime(p.Process.ProcessId).TotalSeconds)).ToList();
        split.Add(("PostgreSQL", TreeCpu(postgres.ProcessId)));
        if (rabbit is not null) split.Add(("RabbitMQ", TreeCpu(rabbit.ProcessId)));
        return split;
    }

    /// <summary>CPU seconds of a process and all its descendants that are alive now (Linux /proc).</summary>
    private static double TreeCpu(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // gone meanwhile
        }
        var tree = new HashSet<int> { root };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
                if (tree.Contains(parent) && tree.Add(pid)) grew = true;
        }
        return tree.Sum(pid =>
        {
            try { return Machine.CpuTime(pid).TotalSeconds; }
            catch (IOException) { return 0; }
        });
    }

    /// <summary>CPU seconds the whole machine has used (busy time of all cores, /proc/stat).</summary>
    private static double MachineCpu()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / 100.0; // all but idle and iowait
    }

    private string Markdown(string load, List<(WrkResult Reference, double Alerts, double P99)> rows, double ratio, long accepted, long counted,
        TimeSpan drained, IReadOnlyList<ReceivedMail> floodMails, List<double> mails, double waitAverage, long waitMax, List<(string Name, double Seconds)> cpu, double machine, double seconds)
    {
        var what = settings.Layout == BenchLayout.ScaleOut
            ? "scale-out: PostgreSQL + RabbitMQ, 2 collectors (wrk -t1 -c32 on each), 2 notifiers, 1 dashboard"
            : "one `alerts serve` on PostgreSQL, in-memory bus (wrk -t2 -c64)";
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"#### {what}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average at start {load}, at end {Machine.LoadAverage()}; {settings.Rounds} rounds of {settings.RoundSeconds} s after {settings.WarmupSeconds} s warm-up; PostgreSQL durable (fsync on, synchronous_commit on).");
        sb.AppendLine();
        sb.AppendLine("| round | bare Kestrel req/s | Alerts accepted/s | ratio | worst p99 ms |");
        sb.AppendLine("|---|---|---|---|---|");
        for (var i = 0; i < rows.Count; i++)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {i + 1} | {rows[i].Reference.AcceptedPerSecond:F0} | {rows[i].Alerts:F0} | {rows[i].Alerts / rows[i].Reference.AcceptedPerSecond:P1} | {rows[i].P99:F0} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| all | {rows.Average(r => r.Reference.AcceptedPerSecond):F0} | **{rows.Average(r => r.Alerts):F0}** | **{ratio:P1}** | |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- exact: {counted} counted of {accepted} acknowledged (202) events, {counted - accepted} more were in flight when a wrk run stopped (at most {(settings.Rounds + 1) * Wrk.Connections}: {Wrk.Connections} connections in each of {settings.Rounds + 1} runs)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- backlog drained {drained.TotalSeconds:F1} s after the last round");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- mails during the flood of one error: {floodMails.Count} ({string.Join("; ", floodMails.Select(m => m.Subject))})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- first mail (POST to mail in the SMTP server's hands), {mails.Count} new errors: median {BenchRun.Median(mails):F0} ms, worst {mails.Max():F0} ms");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- sessions waiting for a lock (pg_locks, sampled every 100 ms under load): mean {waitAverage:F2}, most {waitMax}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- CPU seconds in the measured rounds ({seconds:F0} s of Alerts load, 2 cores): {string.Join(", ", cpu.Select(c => $"{c.Name} {c.Seconds:F1}"))}; whole machine {machine:F1} (the rest: wrk, the reference's turns, other work)");
        return sb.ToString();
    }

    private static Dictionary<string, string> Settings(int smtpPort, string database, string? rabbit)
    {
        var env = new Dictionary<string, string>
        {
            ["Alerts__Projects__0__Id"] = "1",
            ["Alerts__Projects__0__Name"] = "shop",
            ["Alerts__Projects__0__Key"] = Key,
            ["Alerts__Admins__0__Name"] = "Ada Admin",
            ["Alerts__Admins__0__Email"] = "ada@example.com",
            ["Alerts__Email__Host"] = "127.0.0.1",
            ["Alerts__Email__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Alerts__Policy__ProjectCap"] = "10000",
            ["Alerts__Database__Provider"] = "Postgres",
            ["ConnectionStrings__Alerts"] = database,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (rabbit is not null)
        {
            env["Alerts__Messaging__Transport"] = "RabbitMq";
            env["ConnectionStrings__RabbitMq"] = rabbit;
        }
        return env;
    }

    /// <summary>
    /// The statements PostgreSQL spent most time on since the reset before the rounds (pg_stat_statements): time includes
    /// waiting for row locks; WAL bytes are what each statement made its commits flush.
    /// </summary>
    private static async Task<string> StatementsAsync(string connection)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("| statement (pg_stat_statements, measured rounds and drain) | calls | rows | time, ms (with lock waits) | WAL MB |");
        sb.AppendLine("|---|---|---|---|---|");
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 90), calls, rows, total_exec_time, wal_bytes
            FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_locks%'
            ORDER BY total_exec_time DESC LIMIT 10
            """, db);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| `{reader.GetString(0).Replace("|", "\\|", StringComparison.Ordinal)}…` | {reader.GetInt64(1)} | {reader.GetInt64(2)} | {reader.GetDouble(3):F0} | {reader.GetDecimal(4) / 1048576m:F1} |");
        return sb.ToString();
    }

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, db);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task Check(Task<AlertsRun> run)
    {
        var done = await run;
        if (done.ExitCode != 0) throw new InvalidOperationException(done.ToString());
    }
}
