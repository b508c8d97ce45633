using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Collector.Ingestion;
using Alerts.Collector.Sentry;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;

namespace Alerts.MicroBench;

/// <summary>
/// Each kind of body a collector takes, from the request's body stream to the parsed event and on to the inbox row:
/// the native event beside what the Sentry SDKs send (the node envelope, the .NET SDK's gzip envelope, the Python
/// SDK's gzip store body). The request is one <see cref="DefaultHttpContext"/> whose body is rewound each time.
/// </summary>
[MemoryDiagnoser]
public class SentryBenchmarks
{
    private const int MaxEventBytes = 1024 * 1024;
    private static readonly Regex SensitiveNames = EventScrubber.SensitiveNames([]);
    private static readonly DateTime Now = new(2026, 12, 5, 8, 0, 0, DateTimeKind.Utc);
    private Request _native = null!;
    private Request _node = null!;
    private Request _dotnet = null!;
    private Request _python = null!;
    private EventPayload _nodeEvent = null!;

    [GlobalSetup]
    public void Setup()
    {
        _native = new Request(Resources.Read("event.json"), null);
        _node = new Request(Resources.Read("node-exception.envelope"), null);
        _dotnet = new Request(Resources.Read("dotnet-exception.envelope.gz"), "gzip");
        _python = new Request(Resources.Read("python-store.json.gz"), "gzip");
        _nodeEvent = ReadNodeAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "native event (1.5 KB): read + parse")]
    public async Task<EventPayload> NativeRead()
    {
        using var body = await BodyReader.ReadAsync(_native.Rewind(), MaxEventBytes);
        return JsonSerializer.Deserialize(body.Bytes.Span, EventJsonContext.Default.EventPayload)!;
    }

    [Benchmark(Description = "native event: to stored event")]
    public async Task<InboxEvent> NativeStored() => Store(await NativeRead(), null);

    [Benchmark(Description = "node envelope (9 KB): read + map")]
    public Task<EventPayload> NodeRead() => ReadNodeAsync();

    [Benchmark(Description = "node envelope: to stored event")]
    public async Task<InboxEvent> NodeStored() => Store(await ReadNodeAsync(), null);

    [Benchmark(Description = ".NET envelope (gzip, 1.8 KB): read + map")]
    public Task<EventPayload> DotnetRead() => ReadEnvelopeAsync(_dotnet);

    [Benchmark(Description = "Python store body (gzip, 1.6 KB): read + map")]
    public async Task<EventPayload> PythonRead()
    {
        using var body = await BodyReader.ReadAsync(_python.Rewind(), MaxEventBytes);
        var json = SentryApi.DecodeLegacyStoreBody(body.Bytes, MaxEventBytes);
        return SentryEventMapper.Map(json.Span, null, "203.0.113.9").Payload;
    }

    [Benchmark(Description = "Fingerprinter.Compute (node event)")]
    public string NodeFingerprint() => Fingerprinter.Compute(EventKind.Error, _nodeEvent);

    [Benchmark(Description = "EventScrubber.Scrub (node event)")]
    public EventPayload NodeScrub()
    {
        EventScrubber.Scrub(_nodeEvent, SensitiveNames);
        return _nodeEvent;
    }

    private Task<EventPayload> ReadNodeAsync() => ReadEnvelopeAsync(_node);

    /// <summary>What the envelope endpoint does with a body before the key check and the inbox.</summary>
    private static async Task<EventPayload> ReadEnvelopeAsync(Request request)
    {
        var http = request.Rewind();
        var opened = BodyReader.Open(http, 20L * 1024 * 1024, 200L * 1024 * 1024, "Envelope");
        await using var body = opened.Stream!;
        using var reader = new EnvelopeReader(body, MaxEventBytes);
        var header = await reader.ReadHeaderAsync();
        var headerId = SentryEventMapper.NormalizeId(header.EventId);
        MappedEvent? mapped = null;
        while (await reader.ReadItemAsync() is { } item)
            if (EnvelopeReader.IsIngested(item.Type)) mapped = SentryEventMapper.Map(item.Payload.Span, headerId, "203.0.113.9");
        return mapped!.Payload;
    }

    private static InboxEvent Store(EventPayload payload, string? id)
    {
        EventScrubber.Scrub(payload, SensitiveNames);
        return InboxEvent.Create(1, EventKind.Error, payload, Now, id);
    }

    /// <summary>One request whose body stream is rewound for each run.</summary>
    private sealed class Request
    {
        private readonly DefaultHttpContext _http = new();

        public Request(byte[] body, string? encoding)
        {
            // A MemoryStream over an array holds nothing to dispose.
            _http.Request.Body = new MemoryStream(body, writable: false);
            _http.Request.ContentLength = body.Length;
            if (encoding is not null) _http.Request.Headers.ContentEncoding = encoding;
        }

        public DefaultHttpContext Rewind()
        {
            _http.Request.Body.Position = 0;
            return _http;
        }
    }
}

internal static class Resources
{
    public static byte[] Read(string name)
    {
        using var stream = typeof(Resources).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
