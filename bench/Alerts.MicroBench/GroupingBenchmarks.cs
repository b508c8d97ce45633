using Alerts.Core.Events;
using Alerts.Notifier.Grouping;
using BenchmarkDotNet.Attributes;

namespace Alerts.MicroBench;

/// <summary>
/// Grouping's choice of an incident's latest event and of its samples, on a flood's batch: 512 events of one error
/// whose received times tie eight at a time (PostgreSQL's microseconds under ~7k events/s), against 10 kept samples.
/// </summary>
[MemoryDiagnoser]
public class GroupingBenchmarks
{
    private const int Keep = 10;
    private List<ClaimedEvent> _batch = null!;
    private List<Sample> _batchSamples = null!;
    private List<Sample> _current = null!;

    [GlobalSetup]
    public void Setup()
    {
        var at = new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
        var random = new Random(7); // the same ids and order in every run
        string Id()
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return Convert.ToHexStringLower(bytes);
        }
        _batch = [.. Enumerable.Range(0, 512).Select(i => new ClaimedEvent(Id(), 1, EventKind.Error, at.AddTicks(10 * (i / 8)), "f"))
            .OrderBy(e => e.Id, StringComparer.Ordinal)]; // in the claim's order (by id), not by time
        _batchSamples = [.. _batch.Select(e => new Sample(e.Id, e.ReceivedAt))];
        _current = [.. Enumerable.Range(0, Keep).Select(i => new Sample(Id(), at.AddSeconds(-1 - i)))];
    }

    [Benchmark(Description = "SampleWindow.Newest (512 claimed events, ties on time)")]
    public string Newest() => SampleWindow.Newest(_batch).Id;

    [Benchmark(Description = "SampleWindow.Split (10 samples + 512 events, keep 10)")]
    public int Split() => SampleWindow.Split(_current, _batchSamples, Keep).Delete.Count;
}
