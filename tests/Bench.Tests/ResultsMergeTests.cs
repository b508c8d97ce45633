using Alerts.TestSupport;
using CsCheck;

namespace Alerts.Bench.Tests;

/// <summary>
/// What a benchmark run writes into bench/RESULTS.md and what it keeps: a run rewrites its own sections, and every other
/// section (written by another run or by hand) stays byte for byte.
/// </summary>
public sealed class ResultsMergeTests
{
    // The native run's own sections, in its order; the last one's heading carries the incidents it seeded.
    private static readonly Gen<string> OwnSections =
        Gen.Int[1, 1_000_000].Select(incidents => $"""
            # Benchmark results

            ## Machine

            ## Ingestion (`POST /api/v1/events`)

            ## Storage under a flood of identical events

            ## Event to mail (first occurrence, aiosmtpd over SMTP)

            ## Dashboard incident list with {incidents:N0} incidents (seeded straight into SQLite)

            | request | median |

            """);

    // A body whose lines look like headings without being level-2 ones: the traps a substring search falls into.
    private static readonly Gen<string> Body = Gen.OneOf(
            Gen.Const("text of a paragraph"),
            Gen.Const("### Micro-benchmarks, before and after"),
            Gen.Const("#### Frames' texts pooled"),
            Gen.Const("### Random event ids"),
            Gen.Const("| ## not a heading |"),
            Gen.Const("   ## indented, not a heading"))
        .Array[0, 6].Select(lines => string.Concat(lines.Select(l => l + "\n")));

    private static readonly Gen<string> Later =
        Gen.Select(Gen.OneOf("Link crawler", "Where the ingestion time goes", "PostgreSQL and RabbitMQ"), Body,
            (title, body) => $"## {title}\n\n{body}\n").Array[0, 4]
        .Select(sections => string.Concat(sections) + "## Micro-benchmarks\n\npasted summary\n");

    [Fact]
    public void Kept_IsEverythingAfterTheRunsOwnSections() =>
        Gen.Select(OwnSections, Later).Sample((own, later) =>
            Assert.Equal(later, BenchResults.Kept(own + later)));

    [Fact]
    public void Kept_WithoutTheRunsSections_StartsAtTheMicroBenchmarksMarker() =>
        Gen.Select(Body, Later).Sample((before, later) =>
        {
            var micro = later.IndexOf("## Micro-benchmarks\n", StringComparison.Ordinal);
            Assert.Equal(later[micro..], BenchResults.Kept("# Benchmark results\n\n" + before + later[micro..]));
        });

    [Fact]
    public void Kept_OfTheRepositorysResults_HasEverySectionAfterTheRunsOwn()
    {
        var results = File.ReadAllText(Path.Combine(RepoPaths.Root, "bench", "RESULTS.md"));
        var headings = results.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).ToList();
        var after = headings.SkipWhile(h => !h.StartsWith("## Dashboard incident list", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Contains("## Sentry SDK traffic", after);
        Assert.Contains("## Micro-benchmarks", after);
        var kept = BenchResults.Kept(results);
        Assert.Equal(after, kept.Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)));
        Assert.EndsWith(kept, results, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_ReplacesTheSentrySectionUpToItsMicroBenchmarks() =>
        Gen.Select(Later, Body, Body).Sample((later, narrative, kept) =>
        {
            var before = "# Benchmark results\n\n## Link crawler\n\n" + narrative;
            var micro = "### Micro-benchmarks, before and after\n\n" + kept + later;
            var old = "## Sentry SDK traffic\n\nold table\n" + narrative.Replace(SentryBench.MicroHeading + "\n", "", StringComparison.Ordinal);
            var merged = SentryBench.Merge(before + old + micro, "## Sentry SDK traffic\n\nnew table\n\n");
            Assert.Equal(before + "## Sentry SDK traffic\n\nnew table\n\n" + micro, merged);
        });

    [Fact]
    public void Merge_WithoutASentrySection_InsertsItBeforeTheMicroBenchmarksMarker() =>
        Gen.Select(Body, Later).Sample((before, later) =>
        {
            var micro = later.IndexOf("## Micro-benchmarks\n", StringComparison.Ordinal);
            var head = "# Benchmark results\n\n## Link crawler\n\n" + before + later[..micro];
            var merged = SentryBench.Merge(head + later[micro..], "## Sentry SDK traffic\n\nnew table\n");
            Assert.Equal(head + "## Sentry SDK traffic\n\nnew table\n" + Environment.NewLine + later[micro..], merged);
        });
}
