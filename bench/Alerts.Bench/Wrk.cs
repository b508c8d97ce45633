using System.Globalization;
using System.Text.RegularExpressions;
using Alerts.TestSupport;

namespace Alerts.Bench;

/// <summary>What one wrk run measured.</summary>
internal sealed record WrkResult(long Requests, long NotAccepted, double Seconds, double P50Ms, double P75Ms, double P90Ms, double P99Ms)
{
    /// <summary>CPU the server used during the run, set by the caller who knows its process.</summary>
    public TimeSpan ServerCpu { get; init; }

    /// <summary>Server CPU per request, in microseconds: unlike throughput, barely moved by other work on the machine.</summary>
    public double CpuMicrosecondsPerRequest => ServerCpu.TotalMicroseconds / Requests;

    public long Accepted => Requests - NotAccepted;
    public double AcceptedPerSecond => Accepted / Seconds;

    /// <summary>
    /// One server's rounds as one result: requests, seconds and CPU add up; p50 to p90 are the rounds' means weighted by
    /// their requests and p99 is the worst round's, since percentiles of parts do not add up to the whole's.
    /// </summary>
    public static WrkResult Combine(IReadOnlyList<WrkResult> rounds)
    {
        double Weighted(Func<WrkResult, double> p) => rounds.Sum(r => p(r) * r.Requests) / rounds.Sum(r => r.Requests);
        return new WrkResult(rounds.Sum(r => r.Requests), rounds.Sum(r => r.NotAccepted), rounds.Sum(r => r.Seconds),
            Weighted(r => r.P50Ms), Weighted(r => r.P75Ms), Weighted(r => r.P90Ms), rounds.Max(r => r.P99Ms))
        {
            ServerCpu = TimeSpan.FromTicks(rounds.Sum(r => r.ServerCpu.Ticks)),
        };
    }
}

/// <summary>One turn of each server under the same load, back to back.</summary>
internal sealed record RoundResult(WrkResult Reference, WrkResult Alerts)
{
    public double Ratio => Alerts.AcceptedPerSecond / Reference.AcceptedPerSecond;

    /// <summary>All rounds as one: each server's runs combined.</summary>
    public static RoundResult Total(IReadOnlyList<RoundResult> rounds) =>
        new(WrkResult.Combine([.. rounds.Select(r => r.Reference)]), WrkResult.Combine([.. rounds.Select(r => r.Alerts)]));
}

/// <summary>Runs wrk with <c>bench/event.lua</c>: 2 threads, 64 connections, the 1.5 KB event, latency percentiles.</summary>
internal static partial class Wrk
{
    public const int Connections = 64;

    public static async Task<WrkResult> RunAsync(Uri baseAddress, TimeSpan duration, string key, int threads = 2, int connections = Connections)
    {
        var env = new Dictionary<string, string>
        {
            ["ALERTS_KEY"] = key,
            ["ALERTS_EVENT"] = Path.Combine(RepoPaths.Root, "bench", "event.json"),
        };
        string[] args = [$"-t{threads}", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", "--timeout", "10s",
            "-s", Path.Combine(RepoPaths.Root, "bench", "event.lua"), new Uri(baseAddress, "/api/v1/events").ToString()];
        await using var wrk = ChildProcess.Start("wrk", args, RepoPaths.Root, env);
        if (!await wrk.WaitForExitAsync(duration + TimeSpan.FromSeconds(60)))
            throw new TimeoutException($"wrk did not finish.{Environment.NewLine}{wrk.Report()}");
        var output = wrk.StandardOutput;
        if (wrk.ExitCode != 0 || !Summary().IsMatch(output))
            throw new InvalidOperationException($"wrk failed.{Environment.NewLine}{wrk.Report()}");
        var summary = Summary().Match(output);
        var notAccepted = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(
            long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), notAccepted,
            Milliseconds(summary.Groups[2].Value, summary.Groups[3].Value) / 1000,
            Percentile(output, "50"), Percentile(output, "75"), Percentile(output, "90"), Percentile(output, "99"));
    }

    private static double Percentile(string output, string p)
    {
        var m = Regex.Match(output, $@"^\s*{p}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
        return m.Success ? Milliseconds(m.Groups[1].Value, m.Groups[2].Value) : double.NaN;
    }

    /// <summary>A wrk figure with its unit, in milliseconds.</summary>
    private static double Milliseconds(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new FormatException($"Unknown wrk unit '{unit}'."),
    };

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(us|ms|s|m),")]
    private static partial Regex Summary();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();
}
