using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Alerts.TestSupport;

namespace Alerts.Bench;

/// <summary>
/// What Sentry SDKs send, beside the native event, against the bare reference reading (and inflating) the same bodies:
/// each kind in its own project, all kinds taking turns in the same rounds, and every 200 counted exactly once.
/// </summary>
internal sealed class SentryBench(BenchSettings settings, Action<string> log)
{
    public const string Section = "## Sentry SDK traffic";
    public const string MicroHeading = "### Micro-benchmarks, before and after";

    /// <summary>One kind of body: where it is posted, what it is, and whether every request carries a new event id.</summary>
    internal sealed record Kind(int Project, string Name, string Path, string Script, Dictionary<string, string> Env, bool RepeatsId)
    {
        public string Key => $"bench-{Project}-0123456789abcdef";
    }

    internal sealed record KindResult(Kind Kind, List<RoundResult> Rounds, long Accepted, long Counted)
    {
        public RoundResult Total => RoundResult.Total(Rounds);
    }

    internal sealed record Result(DateTime Started, string LoadAtStart, string LoadAtEnd, List<KindResult> Kinds, long PeakRss, BenchSettings Settings);

    private static Dictionary<string, string> Body(string key, string file, string contentType, string? encoding, string? freshId) => new()
    {
        ["ALERTS_KEY"] = key,
        ["ALERTS_BODY"] = Path.Combine(RepoPaths.Root, file),
        ["ALERTS_CONTENT_TYPE"] = contentType,
        ["ALERTS_ENCODING"] = encoding ?? "",
        ["ALERTS_FRESH_ID"] = freshId is null ? "0" : "1",
        ["ALERTS_ID"] = freshId ?? "",
    };

    private static List<Kind> Kinds() =>
    [
        new(1, "native event (1.5 KB JSON, `bench/event.json`)", "/api/v1/events", "event.lua", new()
        {
            ["ALERTS_KEY"] = "bench-1-0123456789abcdef",
            ["ALERTS_EVENT"] = Path.Combine(RepoPaths.Root, "bench", "event.json"),
        }, RepeatsId: false),
        new(2, "@sentry/node envelope (9 KB, a new event_id per request)", "/api/2/envelope/", "sentry.lua",
            Body("bench-2-0123456789abcdef", "tests/Collector.Tests/SentryEnvelopes/node-exception.envelope", "application/x-sentry-envelope", null,
                "56768c302e5e4c3ea322ed10669be433"), RepeatsId: false),
        new(3, ".NET SDK envelope (gzip, 1.8 KB; one event_id repeated)", "/api/3/envelope/", "sentry.lua",
            Body("bench-3-0123456789abcdef", "tests/Collector.Tests/SentryEnvelopes/dotnet-exception.envelope.gz", "application/x-sentry-envelope", "gzip", null),
            RepeatsId: true),
        new(4, "Python SDK store body (gzip, 1.6 KB; one event_id repeated)", "/api/4/store/", "sentry.lua",
            Body("bench-4-0123456789abcdef", "bench/sentry/python-store.json.gz", "application/json", "gzip", null), RepeatsId: true),
    ];

    public async Task<Result> RunAsync()
    {
        var started = DateTime.UtcNow;
        var loadAtStart = Machine.LoadAverage();
        var kinds = Kinds();
        await using var alerts = new AlertsProcess();
        var env = new Dictionary<string, string>
        {
            ["Alerts__Email__Backend"] = "File",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var k in kinds)
        {
            var i = (k.Project - 1).ToString(CultureInfo.InvariantCulture);
            env[$"Alerts__Projects__{i}__Id"] = k.Project.ToString(CultureInfo.InvariantCulture);
            env[$"Alerts__Projects__{i}__Name"] = $"bench{k.Project}";
            env[$"Alerts__Projects__{i}__Key"] = k.Key;
        }
        await alerts.StartServeAsync(env);
        var (reference, referenceAddress) = await BenchRun.StartReferenceAsync();
        await using var referenceProcess = reference;
        var db = Path.Combine(alerts.WorkingDirectory, "data", "alerts.db");

        var accepted = kinds.ToDictionary(k => k, _ => 0L);
        foreach (var k in kinds)
        {
            log($"{k.Name}: warming up");
            await Run(referenceAddress, k, settings.WarmupSeconds);
            accepted[k] += (await Run(alerts.BaseAddress, k, settings.WarmupSeconds)).Accepted;
        }

        using var sampling = new CancellationTokenSource();
        var rss = SamplePeakAsync(() => Machine.Memory(alerts.ProcessId).Rss, sampling.Token);
        var rounds = kinds.ToDictionary(k => k, _ => new List<RoundResult>());
        for (var r = 1; r <= settings.Rounds; r++)
        {
            foreach (var k in kinds)
            {
                var round = new RoundResult(await MeasureAsync(referenceAddress, reference.Id, k), await MeasureAsync(alerts.BaseAddress, alerts.ProcessId, k));
                rounds[k].Add(round);
                accepted[k] += round.Alerts.Accepted;
                log($"round {r}, {k.Name}: reference {round.Reference.AcceptedPerSecond:F0}/s, alerts {round.Alerts.AcceptedPerSecond:F0}/s ({round.Ratio:P1}), p99 {round.Alerts.P99Ms} ms");
            }
        }
        await sampling.CancelAsync();
        var peakRss = await rss;

        // Every 200 is counted once, a repeated event id once in all: wait until grouping has caught up.
        async Task<long> Counted(Kind k) => await BenchRun.ScalarAsync(db,
            $"""SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" WHERE "ProjectId" = {k.Project.ToString(CultureInfo.InvariantCulture)}""");
        foreach (var k in kinds)
            await Wait.UntilAsync(async () => await Counted(k) >= (k.RepeatsId ? 1 : accepted[k]), TimeSpan.FromMinutes(10), $"{k.Name} to be counted");
        var results = new List<KindResult>();
        foreach (var k in kinds)
        {
            var counted = await Counted(k);
            results.Add(new KindResult(k, rounds[k], accepted[k], counted));
            log($"{k.Name}: {counted} counted of {accepted[k]} accepted");
        }
        return new Result(started, loadAtStart, Machine.LoadAverage(), results, peakRss, settings);
    }

    private static Task<WrkResult> Run(Uri address, Kind k, int seconds) =>
        Wrk.RunAsync(new Uri(address, k.Path), TimeSpan.FromSeconds(seconds), k.Script, k.Env);

    private async Task<WrkResult> MeasureAsync(Uri address, int processId, Kind k)
    {
        var cpu = Machine.CpuTime(processId);
        var result = await Run(address, k, settings.RoundSeconds);
        return result with { ServerCpu = Machine.CpuTime(processId) - cpu };
    }

    private static async Task<long> SamplePeakAsync(Func<long> sample, CancellationToken ct)
    {
        long peak = 0;
        while (!ct.IsCancellationRequested)
        {
            peak = Math.Max(peak, sample());
            try { await Task.Delay(100, ct); }
            catch (OperationCanceledException) { break; }
        }
        return peak;
    }

    /// <summary>The section in <c>bench/RESULTS.md</c>: replaced up to its hand-written micro-benchmark part, or added before the micro-benchmarks.</summary>
    public static string Merge(string previous, Result result) => Merge(previous, ToMarkdown(result));

    /// <summary>
    /// The previous file with <paramref name="section"/> in place of its Sentry section up to the Sentry micro-benchmarks
    /// (or the next section), or, in a file without one, before the micro-benchmarks' marker.
    /// </summary>
    internal static string Merge(string previous, string section)
    {
        var sections = BenchResults.Sections(previous);
        var at = sections.FindIndex(1, s => s.StartsWith(Section, StringComparison.Ordinal));
        if (at >= 0)
        {
            // Its hand-written micro-benchmarks, and what follows them within the section, stay.
            var micro = Regex.Match(sections[at], "^" + Regex.Escape(MicroHeading), RegexOptions.Multiline);
            sections[at] = section + (micro.Success ? sections[at][micro.Index..] : "");
        }
        else
        {
            var micro = sections.FindIndex(1, s => s.StartsWith(BenchResults.MicroMarker, StringComparison.Ordinal));
            if (micro < 0) sections.Add("\n" + section);
            else sections.Insert(micro, section + "\n");
        }
        return string.Concat(sections);
    }

    private static string ToMarkdown(Result r)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"""
            {Section}

            Written by `dotnet run -c Release --project bench/Alerts.Bench -- --sentry --seconds {r.Settings.Seconds} --warmup {r.Settings.WarmupSeconds} --rounds {r.Settings.Rounds}`
            on {r.Started:yyyy-MM-dd HH:mm} UTC: one `alerts serve` (SQLite) and the bare reference (`bench/Alerts.Bench.Reference`, which
            reads the same body and inflates a gzip one), wrk with 2 threads and {Wrk.Connections} connections (`bench/sentry.lua`,
            `bench/event.lua`). Each kind of body posts to a project of its own; after {r.Settings.WarmupSeconds} s of warm-up per kind and
            server, {r.Settings.Rounds} rounds of {r.Settings.RoundSeconds} s in which every kind takes its turn on the reference and then on `alerts`.
            Load average (`uptime`) at the start {r.LoadAtStart}, at the end {r.LoadAtEnd}.

            | kind | reference/s | `alerts` 200 or 202/s | ratio (rounds) | p99 | not 2xx | CPU per request (ref / alerts) | 2xx counted |
            |---|---|---|---|---|---|---|---|
            """);
        foreach (var k in r.Kinds)
        {
            var t = k.Total;
            var rounds = string.Join(", ", k.Rounds.Select(x => (x.Ratio * 100).ToString("F1", CultureInfo.InvariantCulture)));
            var counted = k.Kind.RepeatsId
                ? $"{k.Counted:N0} (one event_id, {k.Accepted:N0} times)"
                : $"{k.Counted:N0} of {k.Accepted:N0}";
            b.AppendLine(CultureInfo.InvariantCulture,
                $"| {k.Kind.Name} | {t.Reference.AcceptedPerSecond:F0} | {t.Alerts.AcceptedPerSecond:F0} | **{t.Ratio:P1}** ({rounds}) | {t.Alerts.P99Ms:F1} ms | {t.Alerts.NotAccepted} | {t.Reference.CpuMicrosecondsPerRequest:F0} / {t.Alerts.CpuMicrosecondsPerRequest:F0} µs | {counted} |");
        }
        b.AppendLine(CultureInfo.InvariantCulture, $"""

            RSS peak of `alerts` during the rounds (sampled every 100 ms): **{r.PeakRss / 1048576} MiB**. Counted: the sum of the
            incidents' counts in each kind's project once grouping caught up, against wrk's 2xx (warm-up and rounds). wrk stops with
            up to {Wrk.Connections} posts in flight, committed but not in its count, so a fresh-id kind may count a few more than wrk saw;
            a kind that repeats one event_id must count exactly 1.

            """);
        return b.ToString();
    }
}
