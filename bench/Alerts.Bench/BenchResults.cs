using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Alerts.Bench;

internal sealed record StorageResult(long Accepted, long Counted, long GrowthBytes, long WalBytes, long EventRows, long IdRows, TimeSpan GroupedAfter)
{
    /// <summary>Growth of the database file itself per event; the WAL beside it is bounded, not per event.</summary>
    public double BytesPerEvent => (double)(GrowthBytes - WalBytes) / Accepted;
}

internal sealed record IngestionResult(
    List<RoundResult> Rounds, long PeakRssDuringLoad, long PeakRss, long RssAfter, long PeakWalDuringLoad, StorageResult Storage, List<double> MailMs)
{
    public RoundResult Total => RoundResult.Total(Rounds);
}

internal sealed record ListResult(int Incidents, List<double> ApiMs, List<double> PageMs);

/// <summary>The figures, as their own sections at the head of <c>bench/RESULTS.md</c>; every other section is kept as it is.</summary>
internal sealed record BenchResults(BenchSettings Settings, string Machine, DateTime Started, IngestionResult Alerts, ListResult List)
{
    public const string MicroMarker = "## Micro-benchmarks";

    /// <summary>How the headings of the sections this run writes begin (the Dashboard's names the incidents it seeded).</summary>
    private static readonly string[] OwnSections =
        ["## Machine", "## Ingestion (", "## Storage under a flood", "## Event to mail", "## Dashboard incident list"];

    public string ToMarkdown(string? previous)
    {
        var total = Alerts.Total;
        var (reference, a) = (total.Reference, total.Alerts);
        var s = Alerts.Storage;
        var ratio = total.Ratio;
        var eventBytes = new FileInfo(Path.Combine(TestSupport.RepoPaths.Root, "bench", "event.json")).Length;
        var loadAtEnd = Bench.Machine.LoadAverage();
        var floodNote = s.Accepted >= 1_000_000
            ? $"The flood (the warm-up and the measured run) was {s.Accepted:N0} identical events, more than a million: the whole database grew {s.GrowthBytes / 1048576.0:F0} MiB."
            : "The flood (the warm-up and the measured run) was shorter than a million events: the growth per event is extrapolated linearly, which overestimates.";
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"""
            # Benchmark results

            Written by `dotnet run -c Release --project bench/Alerts.Bench` on {Started:yyyy-MM-dd HH:mm} UTC
            (wrk, 2 threads, {Wrk.Connections} connections, the {eventBytes}-byte error event of `bench/event.json`, the load
            generator on the same machine). The reference and `alerts` run side by side and take turns under the load, after
            {Settings.WarmupSeconds} s of warm-up each: {Settings.Rounds} rounds of {Settings.RoundSeconds} s for each, so a change in the machine's speed
            (other work on the host) falls on both alike. Requests, seconds and CPU add up over the rounds; p50 to p90 are
            the rounds' means weighted by their requests, p99 the worst round's.

            ## Machine

            {Machine}
            | load average at the end | {loadAtEnd} |

            ## Ingestion (`POST /api/v1/events`)

            | | requests/s (202) | p50 | p75 | p90 | p99 | not 2xx | server CPU per request |
            |---|---|---|---|---|---|---|---|
            | bare Kestrel reference (reads the body, answers 202) | {reference.AcceptedPerSecond:F0} | {reference.P50Ms:F2} ms | {reference.P75Ms:F2} ms | {reference.P90Ms:F2} ms | {reference.P99Ms:F2} ms | {reference.NotAccepted} | {reference.CpuMicrosecondsPerRequest:F0} µs |
            | `alerts serve` (202 after the SQLite commit, WAL, synchronous=FULL; grouping and mail in the same process) | {a.AcceptedPerSecond:F0} | {a.P50Ms:F2} ms | {a.P75Ms:F2} ms | {a.P90Ms:F2} ms | {a.P99Ms:F2} ms | {a.NotAccepted} | {a.CpuMicrosecondsPerRequest:F0} µs |

            | figure | value | target |
            |---|---|---|
            | ratio alerts / reference (all rounds) | **{ratio:P1}** | ≥ 30 % (aim 50 %) |
            | p99 of an accepted post | **{a.P99Ms:F1} ms** | ≤ 50 ms |
            | RSS peak during the rounds (sampled every 100 ms) | **{Alerts.PeakRssDuringLoad / 1048576.0:F0} MiB** | < 300 MB |
            | RSS peak of the process (VmHWM, whole run) / after the run | {Alerts.PeakRss / 1048576.0:F0} MiB / {Alerts.RssAfter / 1048576.0:F0} MiB | |

            | round | reference requests/s | `alerts` accepted/s | ratio |
            |---|---|---|---|
            {string.Join(Environment.NewLine, Alerts.Rounds.Select((r, i) => string.Create(CultureInfo.InvariantCulture, $"| {i + 1} | {r.Reference.AcceptedPerSecond:F0} | {r.Alerts.AcceptedPerSecond:F0} | {r.Ratio:P1} |")))}

            ## Storage under a flood of identical events

            | figure | value |
            |---|---|
            | 202s wrk counted (warm-up and measured run) | {s.Accepted:N0} |
            | counted on the incident (equal to the event ids remembered; wrk stops with up to 64 posts per run in flight, committed but not in its count) | {s.Counted:N0} |
            | grouping caught up after the load ended | {s.GroupedAfter.TotalSeconds:F1} s |
            | database growth (file + WAL + shm) | {s.GrowthBytes / 1048576.0:F1} MiB (of which WAL {s.WalBytes / 1048576.0:F1} MiB) |
            | WAL file at its largest during the load (sampled every 100 ms) | {Alerts.PeakWalDuringLoad / 1048576.0:F0} MiB |
            | database file growth per event | **{s.BytesPerEvent:F1} bytes** |
            | extrapolated to 1,000,000 events | **{s.BytesPerEvent * 1_000_000 / 1048576.0:F0} MiB** (target: well under 100 MB), besides the WAL: cut back to 128 MiB when it starts over and to nothing once the load has passed |
            | event rows kept (samples) / event ids remembered | {s.EventRows:N0} / {s.IdRows:N0} |

            {floodNote} What grows with every event is one row of `EventIds` (a 16-byte key and an integer, WITHOUT
            ROWID); event rows stay at the sample limit once grouped, and the pages that the ungrouped backlog took
            during the load are reused, not added again.

            ## Event to mail (first occurrence, aiosmtpd over SMTP)

            | figure | value | target |
            |---|---|---|
            | median over {Alerts.MailMs.Count} first occurrences | **{BenchRun.Median(Alerts.MailMs):F0} ms** | < 300 ms |
            | p90 / max | {BenchRun.Percentile(Alerts.MailMs, 0.9):F0} ms / {Alerts.MailMs.Max():F0} ms | |

            Measured from sending the POST to the mail's file appearing in aiosmtpd's maildir (written when DATA
            completes; polled every 2 ms), with the notifier's default settings, on the process that took the flood above.

            ## Dashboard incident list with {List.Incidents:N0} incidents (seeded straight into SQLite)

            | request | median | p90 | target |
            |---|---|---|---|
            | `GET /api/v1/incidents` (API token) | **{BenchRun.Median(List.ApiMs):F1} ms** | {BenchRun.Percentile(List.ApiMs, 0.9):F1} ms | < 100 ms |
            | `GET /` (logged-in cookie) | **{BenchRun.Median(List.PageMs):F1} ms** | {BenchRun.Percentile(List.PageMs, 0.9):F1} ms | < 100 ms |

            Round trips on loopback after three warm-up requests, {List.ApiMs.Count} each.

            """);
        b.Append(Kept(previous));
        return b.ToString();
    }

    /// <summary>
    /// Every section of the previous file but this run's own, in their order: the crawler's, the Sentry bodies', the
    /// micro-benchmarks and the analyses, written by other runs or by hand.
    /// </summary>
    internal static string Kept(string? previous)
    {
        // What precedes the first section is this run's title.
        var others = previous is null ? [] : Sections(previous).Skip(1)
            .Where(section => !OwnSections.Any(own => section.StartsWith(own, StringComparison.Ordinal)));
        var kept = string.Concat(others);
        return kept.Length > 0
            ? kept
            : $"{MicroMarker}\n\nRun `dotnet run -c Release --project bench/Alerts.MicroBench -- --filter '*'` and paste its summary here.\n";
    }

    /// <summary>
    /// The file cut before each level-2 heading, what precedes the first one first (empty when the file starts with one).
    /// Headings at a line's start only: "## Micro-benchmarks" is also inside "### Micro-benchmarks, before and after".
    /// </summary>
    internal static List<string> Sections(string text) => [.. Regex.Split(text, "^(?=## )", RegexOptions.Multiline)];
}
