using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Alerts.TestSupport;
using Microsoft.Data.Sqlite;

namespace Alerts.Bench;

internal enum BenchProvider { Sqlite, Postgres }

internal enum BenchLayout { Single, ScaleOut }

internal sealed record BenchSettings(int Seconds, int WarmupSeconds, int Rounds, int Mails, int Incidents,
    BenchProvider Provider = BenchProvider.Sqlite, BenchLayout Layout = BenchLayout.Single)
{
    /// <summary>Each server's measured seconds in one round.</summary>
    public int RoundSeconds => Math.Max(1, Seconds / Rounds);

    public static BenchSettings Parse(string[] args)
    {
        int Arg(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }
        // 20 s of warm-up: tiered compilation is still recompiling the hot path for about 15 s into a flood.
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        // The scale-out layout runs on PostgreSQL and RabbitMQ, whatever --provider says.
        var layout = Option("--layout", "single") == "scale-out" ? BenchLayout.ScaleOut : BenchLayout.Single;
        var provider = layout == BenchLayout.ScaleOut || Option("--provider", "sqlite") == "postgres" ? BenchProvider.Postgres : BenchProvider.Sqlite;
        return new BenchSettings(Arg("--seconds", 60), Arg("--warmup", 20), Math.Max(1, Arg("--rounds", 3)), Arg("--mails", 20), Arg("--incidents", 100_000),
            provider, layout);
    }
}

/// <summary>Starts the bare Kestrel reference and the real <c>alerts</c>, drives them with wrk, and measures.</summary>
internal sealed partial class BenchRun(BenchSettings settings, Action<string> log)
{
    private const string Key = "bench-0123456789abcdef";
    private const string Password = "bench-password-0123456789";

    public async Task<BenchResults> RunAsync()
    {
        var machine = Machine.Describe();
        var started = DateTime.UtcNow;
        var ingestion = await IngestionAsync();
        var list = await IncidentListAsync();
        return new BenchResults(settings, machine, started, ingestion, list);
    }

    internal static async Task<(ChildProcess Process, Uri Address)> StartReferenceAsync()
    {
        var dll = Path.Combine(RepoPaths.Root, "bench", "Alerts.Bench.Reference", "bin", AlertsProcess.Configuration, "net10.0", "Alerts.Bench.Reference.dll");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var (child, port) = await ChildProcess.StartServerAsync("reference", FreePort.Next,
            port => ChildProcess.Start("dotnet", [dll, "--urls", Url(port)], RepoPaths.Root),
            async port =>
            {
                try { using var r = await probe.GetAsync(new Uri(Url(port))); return true; }
                catch (HttpRequestException) { return false; }
            },
            TimeSpan.FromSeconds(30));
        return (child, new Uri(Url(port)));
    }

    private async Task<IngestionResult> IngestionAsync()
    {
        // aiosmtpd writes each mail to its maildir when DATA completes: the moment the mail is in the server's hands.
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, requireStartTls: false);
        await using var alerts = new AlertsProcess();
        var env = Settings(smtp.Port);
        await alerts.StartServeAsync(env);
        var (reference, referenceAddress) = await StartReferenceAsync();
        await using var referenceProcess = reference;
        var db = Path.Combine(alerts.WorkingDirectory, "data", "alerts.db");
        var before = DatabaseBytes(db);

        log("reference: warming up");
        await Wrk.RunAsync(referenceAddress, TimeSpan.FromSeconds(settings.WarmupSeconds), Key);
        log("alerts: warming up");
        var warm = await Wrk.RunAsync(alerts.BaseAddress, TimeSpan.FromSeconds(settings.WarmupSeconds), Key);
        using var sampling = new CancellationTokenSource();
        var rss = SamplePeakAsync("RSS", () => Machine.Memory(alerts.ProcessId).Rss, sampling.Token);
        var wal = SamplePeakAsync("WAL", () => FileBytes(db + "-wal"), sampling.Token);
        // The two take turns under the load: a change in the machine's speed (other work on the host) falls on both alike.
        var rounds = new List<RoundResult>();
        for (var i = 1; i <= settings.Rounds; i++)
        {
            var round = new RoundResult(await MeasureAsync(referenceAddress, reference.Id), await MeasureAsync(alerts.BaseAddress, alerts.ProcessId));
            rounds.Add(round);
            log($"round {i}: reference {round.Reference.AcceptedPerSecond:F0} req/s, alerts {round.Alerts.AcceptedPerSecond:F0} accepted/s ({round.Ratio:P1})");
        }
        await sampling.CancelAsync();
        var peakRss = await rss;
        var peakWal = await wal;
        var (refRun, run) = RoundResult.Total(rounds);
        log($"reference: {refRun.AcceptedPerSecond:F0} req/s, p99 {refRun.P99Ms} ms, {refRun.CpuMicrosecondsPerRequest:F0} µs CPU/request");
        log($"alerts: {run.AcceptedPerSecond:F0} accepted/s, {run.NotAccepted} refused, p99 {run.P99Ms} ms, peak RSS {peakRss / 1048576} MiB, {run.CpuMicrosecondsPerRequest:F0} µs CPU/request");

        // Every 202 is counted once: wait until the grouper has folded them all into the incident.
        var accepted = warm.Accepted + run.Accepted;
        var grouping = Stopwatch.StartNew();
        await Wait.UntilAsync(async () => await ScalarAsync(db, """SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" """) >= accepted,
            TimeSpan.FromMinutes(15), $"{accepted} accepted events to be counted");
        var groupedAfter = grouping.Elapsed;
        // The WAL is cut back once the flood has passed; give the background checkpoint a moment to do it.
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromSeconds(10) && FileBytes(db + "-wal") >= 4 * 1048576) await Task.Delay(100);
        var counted = await ScalarAsync(db, """SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" """);
        var storage = new StorageResult(accepted, counted, DatabaseBytes(db) - before, FileBytes(db + "-wal"),
            await ScalarAsync(db, """SELECT COUNT(*) FROM "Events" """), await ScalarAsync(db, """SELECT COUNT(*) FROM "EventIds" """), groupedAfter);
        log($"alerts: {counted} counted of {accepted} accepted; database grew {storage.GrowthBytes} bytes");

        var mails = await EventToMailAsync(alerts, smtp);
        var (rssAfter, peakAfter) = Machine.Memory(alerts.ProcessId);
        return new IngestionResult(rounds, peakRss, Math.Max(peakAfter, peakRss), rssAfter, peakWal, storage, mails);
    }

    /// <summary>One measured wrk run against a server, with the CPU its process used meanwhile.</summary>
    private async Task<WrkResult> MeasureAsync(Uri address, int processId)
    {
        var cpu = Machine.CpuTime(processId);
        var result = await Wrk.RunAsync(address, TimeSpan.FromSeconds(settings.RoundSeconds), Key);
        return result with { ServerCpu = Machine.CpuTime(processId) - cpu };
    }

    /// <summary>First occurrences, one at a time: from the POST to the mail in the SMTP server's hands.</summary>
    private async Task<List<double>> EventToMailAsync(AlertsProcess alerts, AiosmtpdServer mailbox)
    {
        var times = new List<double>();
        for (var i = 0; i < settings.Mails; i++)
        {
            var seen = (await mailbox.GetMailsAsync()).Count;
            var clock = Stopwatch.StartNew();
            using var response = await alerts.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: $"BenchError{i}"), Key));
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"POST answered {response.StatusCode}.");
            // A tight poll, so the figure is the mail's time and not the poll's.
            while ((await mailbox.GetMailsAsync()).Count <= seen)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"No mail for first occurrence {i}.{Environment.NewLine}{alerts.ServeOutput}");
                await Task.Delay(2);
            }
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        log($"event to mail: median {Median(times):F0} ms");
        return times;
    }

    private async Task<ListResult> IncidentListAsync()
    {
        await using var alerts = new AlertsProcess();
        var env = Settings(smtpPort: 25);
        env["Alerts__Email__Backend"] = "File";
        await Check(alerts.RunAsync(env, "migrate"));
        var db = Path.Combine(alerts.WorkingDirectory, "data", "alerts.db");
        log($"dashboard: seeding {settings.Incidents} incidents");
        await SeedIncidentsAsync(db, settings.Incidents);
        var token = (await Check(alerts.RunAsync(env, "tokens", "create", "--name", "bench"))).StandardOutput.Trim();
        await Check(alerts.RunAsync(env, "createuser", "--email", "bench@example.com", "--password", Password));
        await alerts.StartServeAsync(env);

        using var api = new HttpClient { BaseAddress = alerts.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var apiTimes = await TimeAsync(api, "/api/v1/incidents");

        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = alerts.BaseAddress };
        var form = await browser.GetStringAsync(new Uri("/login", UriKind.Relative));
        using var login = await browser.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "bench@example.com",
            ["Password"] = Password,
            ["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups[1].Value,
        }));
        login.EnsureSuccessStatusCode();
        var pageTimes = await TimeAsync(browser, "/");
        log($"dashboard: API median {Median(apiTimes):F1} ms, page median {Median(pageTimes):F1} ms");
        return new ListResult(settings.Incidents, apiTimes, pageTimes);
    }

    private static async Task<List<double>> TimeAsync(HttpClient client, string path)
    {
        var times = new List<double>();
        for (var i = 0; i < 23; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead);
            clock.Stop();
            if (response.StatusCode != HttpStatusCode.OK || response.RequestMessage?.RequestUri?.AbsolutePath.StartsWith("/login", StringComparison.Ordinal) == true)
                throw new InvalidOperationException($"GET {path} answered {response.StatusCode} at {response.RequestMessage?.RequestUri}.");
            if (i >= 3) times.Add(clock.Elapsed.TotalMilliseconds); // the first requests warm caches and the JIT
        }
        return times;
    }

    /// <summary>Incidents written straight into SQLite, as a busy year would leave them, each with an hourly counter.</summary>
    private static async Task SeedIncidentsAsync(string db, int count)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        await connection.OpenAsync();
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var incident = connection.CreateCommand();
        incident.Transaction = tx;
        incident.CommandText = """
            INSERT INTO "Incidents" ("Id", "ProjectId", "Fingerprint", "Kind", "Title", "Status", "Count", "FirstSeen", "LastSeen", "LastEventId", "LastNotifiedCount", "IgnoredCount")
            VALUES ($id, 1, $fingerprint, $kind, $title, $status, $count, $first, $last, NULL, 0, 0)
            """;
        await using var hourly = connection.CreateCommand();
        hourly.Transaction = tx;
        hourly.CommandText = """INSERT INTO "IncidentHourlyCounts" ("IncidentId", "Hour", "Count") VALUES ($id, $hour, $count)""";
        var random = new Random(42);
        var now = DateTime.UtcNow;
        for (var i = 1; i <= count; i++)
        {
            var last = now.AddMinutes(-random.Next(0, 90 * 24 * 60));
            var n = random.Next(1, 5000);
            incident.Parameters.Clear();
            incident.Parameters.AddWithValue("$id", i);
            incident.Parameters.AddWithValue("$fingerprint", $"{i:x32}");
            incident.Parameters.AddWithValue("$kind", i % 5 == 0 ? 1 : 0);
            incident.Parameters.AddWithValue("$title", $"ERROR: Internal Server Error: /orders/{i} (ZeroDivisionError: division by zero)");
            incident.Parameters.AddWithValue("$status", i % 7 == 0 ? 1 : 0);
            incident.Parameters.AddWithValue("$count", n);
            incident.Parameters.AddWithValue("$first", last.AddDays(-random.Next(0, 30)));
            incident.Parameters.AddWithValue("$last", last);
            await incident.ExecuteNonQueryAsync();
            hourly.Parameters.Clear();
            hourly.Parameters.AddWithValue("$id", i);
            hourly.Parameters.AddWithValue("$hour", new DateTime(last.Ticks - last.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc));
            hourly.Parameters.AddWithValue("$count", n);
            await hourly.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    private static Dictionary<string, string> Settings(int smtpPort) => new()
    {
        ["Alerts__Projects__0__Id"] = "1",
        ["Alerts__Projects__0__Name"] = "shop",
        ["Alerts__Projects__0__Key"] = Key,
        ["Alerts__Admins__0__Name"] = "Ada Admin",
        ["Alerts__Admins__0__Email"] = "ada@example.com",
        ["Alerts__Email__Host"] = "127.0.0.1",
        ["Alerts__Email__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        // Every first occurrence is mailed: the project cap would hold the later ones for a storm summary.
        ["Alerts__Policy__ProjectCap"] = "10000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>The largest value <paramref name="sample"/> gives, read every 100 ms until cancelled.</summary>
    private async Task<long> SamplePeakAsync(string what, Func<long> sample, CancellationToken ct)
    {
        long peak = 0;
        while (!ct.IsCancellationRequested)
        {
            peak = Math.Max(peak, sample());
            try { await Task.Delay(100, ct); }
            catch (OperationCanceledException) { break; }
        }
        log($"peak {what} sampled: {peak / 1048576} MiB");
        return peak;
    }

    private static long DatabaseBytes(string db) => FileBytes(db) + FileBytes(db + "-wal") + FileBytes(db + "-shm");

    private static long FileBytes(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static async Task<long> ScalarAsync(string db, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<AlertsRun> Check(Task<AlertsRun> run)
    {
        var done = await run;
        return done.ExitCode == 0 ? done : throw new InvalidOperationException(done.ToString());
    }

    private static string Url(int port) => $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
