using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Alerts.Collector.Keys;
using Alerts.Core.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Ingestion;

public sealed record EventAccepted(string Id);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EventAccepted))]
internal sealed partial class EventAcceptedJsonContext : JsonSerializerContext;

/// <summary>
/// A success answer written with a source-generated serializer. TypedResults' Accepted and Json look up a logger and
/// the JSON options in the request's services (creating its scope) on every call and flush a chunked body; this one
/// states its length and leaves the sending to the server, which writes it with the headers when the request ends.
/// </summary>
public sealed class JsonAnswer<T>(int statusCode, T value, JsonTypeInfo<T> typeInfo) : IResult, IStatusCodeHttpResult, IValueHttpResult<T>
{
    public int? StatusCode => statusCode;

    public T? Value => value;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        response.BodyWriter.Write(body);
        return Task.CompletedTask;
    }
}

/// <summary>The native ingestion API: <c>POST /api/v1/events</c>.</summary>
public static class EventsApi
{
    public const string KeyHeader = "X-Alerts-Key";

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var (keys, limiter, ingestor, options) = IngestionServices.From(app);
        // The services are singletons: bound once here, not resolved from the request's services on every post.
        // The explicit return type keeps the lambda a route handler (whose result is executed), not a RequestDelegate.
        app.MapPost("/api/v1/events", Task<Results<JsonAnswer<EventAccepted>, ProblemHttpResult>> (HttpContext http) =>
                PostEvent(http, keys, limiter, ingestor, options))
            .WithName("PostEvent")
            .WithTags("Ingestion")
            .WithSummary("Report an error or a broken link (X-Alerts-Key or Authorization: Bearer with the project key; gzip accepted).")
            .Produces<EventAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(408).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429)
            .DisableAntiforgery()
            .ShortCircuit(); // project keys, ProblemDetails: nothing after routing (sign-in, error pages) concerns ingestion
        return app;
    }

    public static async Task<Results<JsonAnswer<EventAccepted>, ProblemHttpResult>> PostEvent(
        HttpContext http, ProjectKeyResolver keys, KeyRateLimiter limiter, EventIngestor ingestor, IOptions<CollectorOptions> options)
    {
        var key = KeyOf(http.Request);
        if (key is null)
            return Problem(401, "Missing project key", $"Send the project key in the {KeyHeader} header or as 'Authorization: Bearer <key>'.");
        var projectId = await keys.ResolveAsync(key, http.RequestAborted);
        if (projectId is null)
            return Problem(401, "Unknown project key", "The project key is not known or has been revoked.");

        if (!IsJson(http.Request.ContentType))
            return Problem(415, "Unsupported media type", "Send the event as 'Content-Type: application/json'.");

        EventPayload? payload;
        // The parsed event holds copies of what it keeps: the pooled body goes back before the inbox is waited for.
        using (var body = await BodyReader.ReadAsync(http, options.Value.MaxEventBytes))
        {
            if (body.Error is { } error) return error;
            try
            {
                payload = JsonSerializer.Deserialize(body.Bytes.Span, EventJsonContext.Default.EventPayload);
            }
            catch (JsonException ex)
            {
                return Problem(400, "Malformed JSON", ex.Path is { Length: > 1 } path ? $"Invalid JSON at {path}: {FirstLine(ex.Message)}" : FirstLine(ex.Message));
            }
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

        if (limiter.TryTake(key, 1) is { IsAllowed: false } refused)
            return RateLimited(http.Response, refused);

        var (outcome, id) = await ingestor.IngestAsync(projectId.Value, EventKinds.Parse(payload.Kind)!.Value, payload);
        return outcome == IngestOutcome.Stored
            ? new JsonAnswer<EventAccepted>(StatusCodes.Status202Accepted, new EventAccepted(id), EventAcceptedJsonContext.Default.EventAccepted)
            : EventIngestor.Problem(http.Response, outcome);
    }

    /// <summary>429 for a key over its per-minute allowance, with the Retry-After that reopens it.</summary>
    internal static ProblemHttpResult RateLimited(HttpResponse response, KeyRateLimiter.Decision refused)
    {
        response.Headers.RetryAfter = ((long)refused.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return Problem(429, "Rate limit exceeded",
            $"This project key may send {refused.PerMinute} events per minute; retry after the Retry-After delay.");
    }

    internal static string? KeyOf(HttpRequest request)
    {
        if (request.Headers.TryGetValue(KeyHeader, out var header) && !string.IsNullOrWhiteSpace(header))
            return header.ToString().Trim();
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7 ? auth[7..].Trim() : null;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase) // what clients send; no parse needed
            || (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
                && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                    || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true)));

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}

/// <summary>What every ingestion API needs, resolved once when the endpoints are mapped.</summary>
internal readonly record struct IngestionServices(
    ProjectKeyResolver Keys, KeyRateLimiter Limiter, EventIngestor Ingestor, IOptions<CollectorOptions> Options)
{
    public static IngestionServices From(IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        return new(services.GetRequiredService<ProjectKeyResolver>(), services.GetRequiredService<KeyRateLimiter>(),
            services.GetRequiredService<EventIngestor>(), services.GetRequiredService<IOptions<CollectorOptions>>());
    }
}
