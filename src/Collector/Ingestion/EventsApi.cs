using System.IO.Compression;
using System.Text.Json;
using Alerts.Collector.Inbox;
using Alerts.Collector.Keys;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Ingestion;

public sealed record EventAccepted(string Id);

/// <summary>The native ingestion API: <c>POST /api/v1/events</c>.</summary>
public static class EventsApi
{
    public const string KeyHeader = "X-Alerts-Key";

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/events", PostEvent)
            .WithName("PostEvent")
            .WithTags("Ingestion")
            .DisableAntiforgery();
        return app;
    }

    public static async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> PostEvent(
        HttpContext http, ProjectKeyResolver keys, EventInbox inbox, IOptions<CollectorOptions> options,
        IOptions<ScrubbingOptions> scrubbing, TimeProvider clock)
    {
        var key = KeyOf(http.Request);
        if (key is null)
            return Problem(401, "Missing project key", $"Send the project key in the {KeyHeader} header or as 'Authorization: Bearer <key>'.");
        var projectId = await keys.ResolveAsync(key, http.RequestAborted);
        if (projectId is null)
            return Problem(401, "Unknown project key", "The project key is not known or has been revoked.");

        if (!IsJson(http.Request.ContentType))
            return Problem(415, "Unsupported media type", "Send the event as 'Content-Type: application/json'.");

        var max = options.Value.MaxEventBytes;
        var body = await BodyReader.ReadAsync(http, max);
        if (body.Error is { } error) return error;

        EventPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(body.Bytes.Span, EventJsonContext.Default.EventPayload);
        }
        catch (JsonException ex)
        {
            return Problem(400, "Malformed JSON", ex.Path is { Length: > 1 } path ? $"Invalid JSON at {path}: {FirstLine(ex.Message)}" : FirstLine(ex.Message));
        }
        if (payload is null)
            return Problem(400, "Malformed JSON", "The body must be a JSON object.");

        var errors = EventValidator.Validate(payload);
        if (errors.Count > 0)
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = 400,
                Title = "The event is not valid",
                Detail = string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}")),
            });

        // Before anything is stored: the stored payload is what mails and the Dashboard show.
        EventScrubber.Scrub(payload, scrubbing.Value.SensitiveNames());

        var now = clock.GetUtcNow().UtcDateTime;
        var kind = EventKinds.Parse(payload.Kind)!.Value;
        payload.Kind = EventKinds.Name(kind);
        payload.Timestamp ??= now;
        var stored = new StoredEvent
        {
            Id = Guid.NewGuid().ToString("N"),
            ProjectId = projectId.Value,
            Kind = kind,
            Timestamp = payload.Timestamp.Value.ToUniversalTime(),
            ReceivedAt = now,
            Payload = JsonSerializer.Serialize(payload, EventJsonContext.Default.EventPayload),
        };

        if (!inbox.TryAccept(stored, out var committed))
        {
            http.Response.Headers.RetryAfter = "1";
            return Problem(429, "Too many events", "The collector is busy writing; retry after the Retry-After delay.");
        }
        try
        {
            await committed;
        }
        catch (InboxUnavailableException)
        {
            http.Response.Headers.RetryAfter = "5";
            return Problem(503, "Event store unavailable", "The event could not be stored; retry after the Retry-After delay.");
        }
        return TypedResults.Accepted((string?)null, new EventAccepted(stored.Id));
    }

    internal static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue(KeyHeader, out var header) && !string.IsNullOrWhiteSpace(header))
            return header.ToString().Trim();
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7 ? auth[7..].Trim() : null;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}

/// <summary>Reads a request body up to a limit, inflating gzip, so no request can make us hold more than the limit.</summary>
internal static class BodyReader
{
    public readonly record struct Body(ReadOnlyMemory<byte> Bytes, ProblemHttpResult? Error);

    public static async Task<Body> ReadAsync(HttpContext http, int max)
    {
        var request = http.Request;
        if (request.ContentLength > max)
            return TooLarge(max);
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        Stream source = request.Body;
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            source = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return new Body(default, EventsApi.Problem(415, "Unsupported content encoding", $"Content-Encoding '{encoding}' is not supported; use gzip or none."));

        await using var _ = source == request.Body ? null : source;
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (buffer.Length + read > max) return TooLarge(max);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            return new Body(default, EventsApi.Problem(400, "Malformed body", "The body is not valid gzip."));
        }
        return new Body(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    private static Body TooLarge(int max) =>
        new(default, EventsApi.Problem(413, "Event too large", $"An event may be at most {max} bytes (after decompression)."));
}
