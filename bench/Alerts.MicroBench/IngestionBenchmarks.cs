using System.Text.RegularExpressions;
using Alerts.Collector.Sentry;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using BenchmarkDotNet.Attributes;

namespace Alerts.MicroBench;

/// <summary>The pure steps every accepted event goes through: fingerprint, scrub, and for Sentry SDKs the envelope.</summary>
[MemoryDiagnoser]
public class IngestionBenchmarks
{
    private static readonly Regex SensitiveNames = EventScrubber.SensitiveNames([]);
    private EventPayload _event = null!;
    private string _eventJson = null!;
    private byte[] _envelope = null!;

    [GlobalSetup]
    public void Setup()
    {
        _eventJson = System.Text.Encoding.UTF8.GetString(Resource("event.json"));
        _event = EventJson.Read(_eventJson);
        _envelope = Resource("node-exception.envelope");
    }

    [Benchmark(Description = "Fingerprinter.Compute (1.5 KB error event)")]
    public string Fingerprint() => Fingerprinter.Compute(EventKind.Error, _event);

    [Benchmark(Description = "EventScrubber.Scrub (same event, fresh copy)")]
    public EventPayload Scrub()
    {
        // Scrubbing edits in place: each run scrubs a fresh copy, so the read is part of the figure (see EventJson.Read).
        var payload = EventJson.Read(_eventJson);
        EventScrubber.Scrub(payload, SensitiveNames);
        return payload;
    }

    [Benchmark(Description = "EventJson.Read (the copy Scrub starts from)")]
    public EventPayload Read() => EventJson.Read(_eventJson);

    [Benchmark(Description = "EnvelopeReader.ReadAllAsync (@sentry/node exception envelope)")]
    public async Task<int> ReadEnvelope()
    {
        using var stream = new MemoryStream(_envelope, writable: false);
        return (await EnvelopeReader.ReadAllAsync(stream, 1024 * 1024)).Items.Count;
    }

    [Benchmark(Description = "EnvelopeReader + SentryEventMapper.Map (envelope to event)")]
    public async Task<EventPayload> ReadAndMapEnvelope()
    {
        using var stream = new MemoryStream(_envelope, writable: false);
        var envelope = await EnvelopeReader.ReadAllAsync(stream, 1024 * 1024);
        var item = envelope.Items.First(i => EnvelopeReader.IsIngested(i.Type));
        return SentryEventMapper.Map(item.Payload.Span, envelope.Header.EventId, "203.0.113.9").Payload;
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(IngestionBenchmarks).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
