using System.Buffers.Text;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Alerts.Collector.Ingestion;
using Alerts.Collector.Keys;
using Alerts.Collector.Monitors;
using Alerts.Core.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Alerts.Collector.Sentry;

/// <summary>
/// Sentry's ingestion protocol, so any Sentry SDK reports to Alerts by changing its DSN to
/// <c>http(s)://KEY@host/PROJECT_ID</c>: <c>POST /api/{projectId}/envelope/</c> and the older
/// <c>POST /api/{projectId}/store/</c>. Events take the same path as native ones (<see cref="EventIngestor"/>).
/// </summary>
public static class SentryApi
{
    public const string ErrorHeader = "X-Sentry-Error";
    public const string RateLimitsHeader = "X-Sentry-Rate-Limits";

    /// <summary>The categories a key's rate limit covers: every kind of error event.</summary>
    private const string EventCategories = "error;default;security";

    public static IEndpointRouteBuilder MapSentryApi(this IEndpointRouteBuilder app)
    {
        var (keys, limiter, ingestor, options) = IngestionServices.From(app);
        var sentry = app.MapGroup("/api/{projectId:long}")
            .WithTags("Sentry")
            .DisableAntiforgery();
        sentry.MapPost("/envelope/", Task<Results<JsonAnswer<SentryAccepted>, ProblemHttpResult>> (long projectId, HttpContext http) =>
                PostEnvelope(projectId, http, keys, limiter, ingestor, options))
            .WithName("PostSentryEnvelope")
            .WithSummary("Sentry SDK envelope (X-Sentry-Auth, sentry_key or the envelope's dsn; gzip, deflate, br).");
        sentry.MapPost("/store/", Task<Results<JsonAnswer<SentryAccepted>, ProblemHttpResult>> (long projectId, HttpContext http) =>
                PostStore(projectId, http, keys, limiter, ingestor, options))
            .WithName("PostSentryStore")
            .WithSummary("Sentry SDK event (X-Sentry-Auth or sentry_key; gzip, deflate, br).");
        sentry.ProducesProblem(400).ProducesProblem(401).ProducesProblem(408).ProducesProblem(413).ProducesProblem(429);
        sentry.ShortCircuit(); // as the native API: nothing after routing concerns ingestion
        return app;
    }

    /// <summary>Browser SDKs post cross-origin and read the rate-limit headers of the answer.</summary>
    private static void AllowBrowsers(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlExposeHeaders = $"{ErrorHeader}, {RateLimitsHeader}, Retry-After";
    }

    public static async Task<Results<JsonAnswer<SentryAccepted>, ProblemHttpResult>> PostEnvelope(
        long projectId, HttpContext http, ProjectKeyResolver keys, KeyRateLimiter limiter, EventIngestor ingestor, IOptions<CollectorOptions> options)
    {
        AllowBrowsers(http.Response);
        var limits = options.Value;
        var checkIns = new List<SentryCheckIn>();
        if (!IsEnvelopeType(http.Request.ContentType))
            return Fail(http, 415, "Unsupported media type", "Send the envelope as 'Content-Type: application/x-sentry-envelope'.");

        // A key in the headers or query is checked before the body is read; only the DSN waits for the envelope.
        var key = SentryAuth.KeyOf(http.Request);
        if (key is not null && await CheckKeyAsync(http, keys, key, projectId) is { } refused) return refused;

        var opened = BodyReader.Open(http, limits.MaxEnvelopeBytes, limits.MaxEnvelopeDecompressedBytes, "Envelope");
        if (opened.Error is { } openError) return Fail(http, openError);
        MappedEvent? mapped = null;
        string? headerEventId;
        await using (var body = opened.Stream!)
        {
            try
            {
                using var reader = new EnvelopeReader(body, limits.MaxEventBytes);
                var header = await reader.ReadHeaderAsync(http.RequestAborted);
                headerEventId = SentryEventMapper.NormalizeId(header.EventId);
                if (key is null)
                {
                    key = SentryAuth.ParseDsn(header.Dsn)?.Key;
                    if (await CheckKeyAsync(http, keys, key, projectId) is { } refusedByDsn) return refusedByDsn;
                }
                // Read to the end before storing anything: a malformed envelope is refused whole, never half-ingested.
                // The event is mapped as soon as it is read, while its payload is still in the reader's buffer.
                var events = 0;
                while (await reader.ReadItemAsync(http.RequestAborted) is { } item)
                {
                    if (!EnvelopeReader.IsIngested(item.Type)) continue; // sessions, transactions, attachments...: accepted, dropped
                    if (item.Type == SentryItemTypes.CheckIn)
                    {
                        if (SentryCheckIn.Parse(item.Payload.Span, out var error) is not { } checkIn)
                            return Fail(http, 400, "Malformed check-in", error!);
                        checkIns.Add(checkIn);
                        continue;
                    }
                    if (++events > 1)
                        return Fail(http, 400, "Malformed envelope", "An envelope carries at most one event item.");
                    mapped = SentryEventMapper.Map(item.Payload.Span, headerEventId, http.Connection.RemoteIpAddress?.ToString());
                }
            }
            catch (EnvelopeFormatException ex)
            {
                return Fail(http, 400, "Malformed envelope", ex.Message);
            }
            catch (JsonException ex)
            {
                return Fail(http, 400, "Malformed event", $"The event item is not a valid event: {FirstLine(ex.Message)}");
            }
            catch (PayloadTooLargeException ex)
            {
                return Fail(http, BodyReader.TooLarge(ex));
            }
            catch (InvalidDataException)
            {
                return Fail(http, BodyReader.Malformed(http.Request));
            }
            catch (BadHttpRequestException ex)
            {
                return Fail(http, BodyReader.NotReceived(ex));
            }
        }

        if (checkIns.Count > 0)
        {
            var monitors = http.RequestServices.GetRequiredService<CheckInIngestor>();
            // As Sentry, an envelope is accepted whole: a check-in for a monitor that does not exist is dropped (and logged).
            foreach (var checkIn in checkIns) await monitors.SentryAsync(projectId, checkIn, http.RequestAborted);
        }
        if (mapped is null) return Accepted(headerEventId);
        return await IngestAsync(http, limiter, ingestor, key!, projectId, mapped);
    }

    public static async Task<Results<JsonAnswer<SentryAccepted>, ProblemHttpResult>> PostStore(
        long projectId, HttpContext http, ProjectKeyResolver keys, KeyRateLimiter limiter, EventIngestor ingestor, IOptions<CollectorOptions> options)
    {
        AllowBrowsers(http.Response);
        if (!IsStoreType(http.Request.ContentType))
            return Fail(http, 415, "Unsupported media type", "Send the event as 'Content-Type: application/json'.");
        var key = SentryAuth.KeyOf(http.Request);
        if (await CheckKeyAsync(http, keys, key, projectId) is { } refused) return refused;

        var max = options.Value.MaxEventBytes;
        MappedEvent mapped;
        // The mapped event holds copies of what it keeps: the pooled body goes back before the inbox is waited for.
        using (var body = await BodyReader.ReadAsync(http, max))
        {
            if (body.Error is { } error) return Fail(http, error);
            try
            {
                var json = DecodeLegacyStoreBody(body.Bytes, max);
                mapped = SentryEventMapper.Map(json.Span, fallbackId: null, http.Connection.RemoteIpAddress?.ToString());
            }
            catch (JsonException ex)
            {
                return Fail(http, 400, "Malformed event", $"The body is not a valid event: {FirstLine(ex.Message)}");
            }
            catch (PayloadTooLargeException ex)
            {
                return Fail(http, BodyReader.TooLarge(ex));
            }
        }
        return await IngestAsync(http, limiter, ingestor, key!, projectId, mapped);
    }

    private static async Task<Results<JsonAnswer<SentryAccepted>, ProblemHttpResult>> IngestAsync(
        HttpContext http, KeyRateLimiter limiter, EventIngestor ingestor, string key, long projectId, MappedEvent mapped)
    {
        if (limiter.TryTake(key, 1) is { IsAllowed: false } limited)
        {
            var seconds = ((long)limited.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            http.Response.Headers[RateLimitsHeader] = $"{seconds}:{EventCategories}:key";
            return Fail(http, EventsApi.RateLimited(http.Response, limited));
        }
        var (outcome, id) = await ingestor.IngestAsync(projectId, EventKind.Error, mapped.Payload, mapped.Id);
        // A repeated id (an SDK retrying) is answered as a success: the inbox keeps the first copy.
        return outcome == IngestOutcome.Stored ? Accepted(id) : Fail(http, EventIngestor.Problem(http.Response, outcome));
    }

    /// <summary>401 for a missing or unknown key, 403 for a key of another project; null when the key may post here.</summary>
    private static async Task<ProblemHttpResult?> CheckKeyAsync(HttpContext http, ProjectKeyResolver keys, string? key, long projectId)
    {
        if (key is null)
            return Fail(http, 401, "Missing project key",
                $"Send the project key in the {SentryAuth.Header} header, the sentry_key query parameter or the envelope's dsn.");
        var owner = await keys.ResolveAsync(key, http.RequestAborted);
        if (owner is null)
            return Fail(http, 401, "Unknown project key", "The project key is not known or has been revoked.");
        if (owner != projectId)
            return Fail(http, 403, "Wrong project", $"The project key does not belong to project {projectId}; check the DSN.");
        return null;
    }

    private static JsonAnswer<SentryAccepted> Accepted(string? id) =>
        new(StatusCodes.Status200OK, new SentryAccepted(id), SentryJsonContext.Default.SentryAccepted);

    private static ProblemHttpResult Fail(HttpContext http, int status, string title, string detail) =>
        Fail(http, EventsApi.Problem(status, title, detail));

    /// <summary>Sentry SDKs log the X-Sentry-Error header of a refused request: it repeats the problem's detail.</summary>
    private static ProblemHttpResult Fail(HttpContext http, ProblemHttpResult problem)
    {
        var detail = problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "";
        // Header values must be ASCII; a detail may quote what the client sent.
        http.Response.Headers[ErrorHeader] = string.Create(detail.Length, detail, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++) span[i] = text[i] is >= ' ' and <= '~' ? text[i] : '?';
        });
        return problem;
    }

    /// <summary>Envelopes come as application/x-sentry-envelope, as text/plain from browsers (no CORS preflight), or untyped.</summary>
    private static bool IsEnvelopeType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) || (MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.MediaType.Value?.ToLowerInvariant() is "application/x-sentry-envelope" or "text/plain" or "application/octet-stream");

    /// <summary>Store bodies are JSON; old SDKs send text/plain, or octet-stream for base64 + zlib.</summary>
    private static bool IsStoreType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) || (MediaTypeHeaderValue.TryParse(contentType, out var media)
            && (media.MediaType.Value?.ToLowerInvariant() is "application/json" or "text/plain" or "application/octet-stream"
                || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true));

    /// <summary>
    /// A store body as JSON: as is, or — from SDKs older than gzip support (raven) — base64 of zlib-compressed JSON,
    /// inflated up to <paramref name="max"/> bytes.
    /// </summary>
    internal static ReadOnlyMemory<byte> DecodeLegacyStoreBody(ReadOnlyMemory<byte> body, int max)
    {
        var span = body.Span.TrimStart(" \t\r\n"u8);
        if (span.IsEmpty || span[0] == (byte)'{') return body;
        var compressed = new byte[Base64.GetMaxDecodedFromUtf8Length(span.Length)];
        if (Base64.DecodeFromUtf8(span.TrimEnd(" \t\r\n"u8), compressed, out _, out var written) != System.Buffers.OperationStatus.Done)
            return body; // not base64 either: the JSON parser says what is wrong
        try
        {
            using var inflate = new ZLibStream(new MemoryStream(compressed, 0, written), CompressionMode.Decompress);
            var json = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = inflate.Read(chunk)) > 0)
            {
                if (json.Length + read > max) throw new PayloadTooLargeException("Event", max, compressed: false);
                json.Write(chunk, 0, read);
            }
            return json.GetBuffer().AsMemory(0, (int)json.Length);
        }
        catch (InvalidDataException)
        {
            return body;
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
