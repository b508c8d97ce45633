using Alerts.TestSupport;
using CsCheck;

namespace Alerts.Bench.Tests;

/// <summary>
/// What a benchmark run writes into bench/RESULTS.md and what it keeps: a run rewrites its own sections, and every other
/// section (written by another run or by hand) stays byte for byte.
/// </summary>
public sealed class ResultsMergeTests
{
    // The native run's own headings as it writes them; the Dashboard's names the incidents it seeded.
    private static readonly Gen<string> OwnHeading = Gen.OneOf(
        Gen.Const("## Machine"),
        Gen.Const("## Ingestion (`POST /api/v1/events`)"),
        Gen.Const("## Storage under a flood of identical events"),
        Gen.Const("## Event to mail (first occurrence, aiosmtpd over SMTP)"),
        Gen.Int[1, 1_000_000].Select(n => $"## Dashboard incident list with {n:N0} incidents (seeded straight into SQLite)"));

    private static readonly Gen<string> OtherHeading = Gen.OneOf(
        "## Link crawler", "## Where the ingestion time goes", "## PostgreSQL and RabbitMQ", "## Micro-benchmarks");

    // Lines that look like headings without being level-2 ones: the traps a substring search falls into.
    private static readonly Gen<string> Body = Gen.OneOf(
            "text of a paragraph", "### Micro-benchmarks, before and after", "#### Frames' texts pooled", "### Random event ids",
            "| ## not a heading |", "   ## indented, not a heading")
        .Array[0, 6].Select(lines => string.Concat(lines.Select(l => l + "\n")));

    private static readonly Gen<(bool Own, string Text)> Section =
        Gen.Bool.SelectMany(own => Gen.Select(own ? OwnHeading : OtherHeading, Body, (heading, body) => (own, $"{heading}\n\n{body}\n")));

    [Fact]
    public void Kept_IsEverySectionButTheRunsOwn_InTheirOrder() =>
        Gen.Select(Body, Section.Array[0, 10], Gen.Bool, Gen.Bool).Sample((title, sections, crlf, titled) =>
        {
            string Lines(string text) => crlf ? text.ReplaceLineEndings("\r\n") : text;
            var others = string.Concat(sections.Where(s => !s.Own).Select(s => s.Text));
            var head = titled ? "# Benchmark results\n\n" + title : ""; // a file may start with a section
            var kept = BenchResults.Kept(Lines(head + string.Concat(sections.Select(s => s.Text))));
            if (others.Length == 0) Assert.StartsWith("## Micro-benchmarks\n\nRun `dotnet run", kept, StringComparison.Ordinal);
            else Assert.Equal(Lines(others), kept);
        });

    [Fact]
    public void Kept_OfTheRepositorysResults_IsTheSameAfterARunRewritesIt()
    {
        var results = File.ReadAllText(Path.Combine(RepoPaths.Root, "bench", "RESULTS.md")).ReplaceLineEndings("\n");
        var kept = BenchResults.Kept(results);
        foreach (var heading in new[] { "## Link crawler", "## Sentry SDK traffic", "## Micro-benchmarks", "## PostgreSQL and RabbitMQ" })
            Assert.Contains("\n" + heading + "\n", "\n" + kept, StringComparison.Ordinal);
        Assert.DoesNotContain("\n## Ingestion (", "\n" + kept, StringComparison.Ordinal);

        // A run writes its own sections from its figures; what it keeps of the file it wrote is what it kept before.
        var rewritten = Run().ToMarkdown(results);
        Assert.EndsWith(kept, rewritten, StringComparison.Ordinal);
        Assert.Equal(kept, BenchResults.Kept(rewritten));
    }

    [Fact]
    public void Merge_ReplacesTheSentrySectionUpToItsMicroBenchmarks_OrUpToTheNextSection() =>
        Gen.Select(Body, Body, Gen.Bool, OtherHeading).Sample((narrative, later, ownMicro, next) =>
        {
            // Without its own micro-benchmarks heading, the section ends at the next one, whatever that section holds.
            var before = "# Benchmark results\n\n## Link crawler\n\n" + narrative;
            var old = "## Sentry SDK traffic\n\nold table\n" + narrative.Replace(SentryBench.MicroHeading + "\n", "", StringComparison.Ordinal);
            var after = (ownMicro ? SentryBench.MicroHeading + "\n\nkept\n" : "") + next + "\n\n" + later + SentryBench.MicroHeading + "\n";
            var merged = SentryBench.Merge(before + old + after, "## Sentry SDK traffic\n\nnew table\n\n");
            Assert.Equal(before + "## Sentry SDK traffic\n\nnew table\n\n" + after, merged);
        });

    [Fact]
    public void Merge_WithoutASentrySection_InsertsItBeforeTheMicroBenchmarksMarker() =>
        Gen.Select(Body, Body).Sample((before, after) =>
        {
            var head = "# Benchmark results\n\n## Link crawler\n\n" + before;
            var micro = "## Micro-benchmarks\n\n" + after;
            var merged = SentryBench.Merge(head + micro, "## Sentry SDK traffic\n\nnew table\n");
            Assert.Equal(head + "## Sentry SDK traffic\n\nnew table\n\n" + micro, merged);
        });

    private static BenchResults Run()
    {
        var wrk = new WrkResult(1000, 0, 1, 1, 2, 3, 4);
        var storage = new StorageResult(1000, 1000, 4096, 0, 10, 1000, TimeSpan.Zero);
        return new BenchResults(new BenchSettings(10, 5, 2, 3, 100), "2 cores", DateTime.UtcNow,
            new IngestionResult([new RoundResult(wrk, wrk)], 1, 1, 1, 1, storage, [1.0]), new ListResult(100, [1.0], [2.0]));
    }
}
