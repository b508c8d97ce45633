using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Alerts.TestSupport;

namespace Alerts.Collector.Tests;

/// <summary>
/// Envelopes real SDKs sent (captured from the .NET SDK 6.12 and @sentry/node 11, in <c>SentryEnvelopes/</c>), and
/// small hand-made ones for the protocol's corners.
/// </summary>
internal static class SentryTestData
{
    /// <summary>The .NET SDK: a DivideByZeroException, gzip, items with length.</summary>
    public const string DotnetException = "dotnet-exception.envelope.gz";

    /// <summary>The .NET SDK: InvalidOperationException wrapping a DivideByZeroException.</summary>
    public const string DotnetChained = "dotnet-chained.envelope.gz";

    /// <summary>The .NET SDK: CaptureMessage, with a thread stack trace.</summary>
    public const string DotnetMessage = "dotnet-message.envelope.gz";

    /// <summary>Sentry.Extensions.Logging: LogError("Payment {OrderId} failed at {Provider}", 17, "acme").</summary>
    public const string DotnetLogEntry = "dotnet-logentry.envelope.gz";

    /// <summary>@sentry/node in an HTTP handler: a TypeError with request, tag and fingerprint; items without length.</summary>
    public const string NodeException = "node-exception.envelope";

    /// <summary>@sentry/node: captureMessage, which it wraps in a synthetic exception.</summary>
    public const string NodeMessage = "node-message.envelope";

    /// <summary>@sentry/node: a sessions aggregate, nothing else.</summary>
    public const string NodeSessions = "node-sessions.envelope";

    /// <summary>The envelope as the SDK sent it (gzip for the .NET ones).</summary>
    public static byte[] Raw(string name) =>
        File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "Collector.Tests", "SentryEnvelopes", name));

    /// <summary>The envelope decompressed.</summary>
    public static byte[] Envelope(string name)
    {
        var raw = Raw(name);
        if (!name.EndsWith(".gz", StringComparison.Ordinal)) return raw;
        using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    /// <summary>The JSON of the envelope's event item (the third line of these captures).</summary>
    public static byte[] EventJson(string name) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Envelope(name)).Split('\n')[2]);

    /// <summary>A one-event envelope as an SDK builds it, with the header's event_id and optional dsn.</summary>
    public static string EventEnvelope(string eventJson, string? eventId = null, string? dsn = null, bool withLength = true)
    {
        var header = new StringBuilder("{");
        if (eventId is not null) header.Append($"\"event_id\":\"{eventId}\"");
        if (dsn is not null) header.Append(eventId is null ? "" : ",").Append($"\"dsn\":\"{dsn}\"");
        header.Append('}');
        var item = withLength ? $"{{\"type\":\"event\",\"length\":{Encoding.UTF8.GetByteCount(eventJson)}}}" : "{\"type\":\"event\"}";
        return $"{header}\n{item}\n{eventJson}\n";
    }

    /// <summary>A small event of the shape SDKs send.</summary>
    public static string ErrorEvent(string eventId, string type = "ZeroDivisionError", string value = "division by zero", string function = "order_detail") => $$$"""
        {"event_id":"{{{eventId}}}","timestamp":"2026-11-23T10:00:00Z","level":"error","platform":"python","environment":"production","release":"1.4.2",
         "exception":{"values":[{"type":"{{{type}}}","value":"{{{value}}}","module":"builtins","stacktrace":{"frames":[
           {"filename":"shop/views.py","function":"{{{function}}}","module":"shop.views","lineno":42,"in_app":true,"context_line":"    return total / count",
            "vars":{"count":0,"password":"hunter2"} }]} }]},
         "request":{"url":"https://shop.example.com/orders/17","method":"GET","headers":{"Authorization":"Bearer xyz","User-Agent":"Mozilla/5.0"},
                    "cookies":"csrftoken=c5rf; theme=dark","env":{"REMOTE_ADDR":"203.0.113.9"} } }
        """.ReplaceLineEndings(" ");

    public static HttpRequestMessage EnvelopeRequest(long projectId, byte[] body, string? key = AlertsTestApp.ProjectKey, string? encoding = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{projectId}/envelope/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-sentry-envelope");
        if (encoding is not null) request.Content.Headers.ContentEncoding.Add(encoding);
        if (key is not null) request.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_client=tests/1.0, sentry_key={key}");
        return request;
    }

    public static byte[] Compress(byte[] body, string encoding)
    {
        var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "raw-deflate" => new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
        })
        {
            compressor.Write(body);
        }
        return output.ToArray();
    }

    public static string NewEventId() => Guid.NewGuid().ToString("N");
}
