using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerts.Core.Events;

public enum EventKind
{
    Error = 0,
    BrokenLink = 1,
    /// <summary>A monitored job missed, failed or timed out (<see cref="EventPayload.Monitor"/> says which); never posted by an app.</summary>
    Monitor = 2,
}

/// <summary>An event as an app reports it through the native API (DESIGN.md, "HTTP contract"), and as it is stored.</summary>
public sealed class EventPayload
{
    public string? Kind { get; set; }
    public DateTime? Timestamp { get; set; }
    public string? Environment { get; set; }
    public string? Release { get; set; }
    public string? ServerName { get; set; }
    public string? Level { get; set; }

    /// <summary>The logger that reported the event ("django.request"), when it came through logging.</summary>
    public string? Logger { get; set; }

    public string? Message { get; set; }

    /// <summary>
    /// The message before formatting ("Payment %s failed"), when the client sent one: messages without an exception
    /// group by it, so "Payment 17 failed" and "Payment 18 failed" are one incident.
    /// </summary>
    public string? MessageTemplate { get; set; }

    /// <summary>The exception that was raised: the one the title names and grouping follows.</summary>
    public ExceptionInfo? Exception { get; set; }

    /// <summary>
    /// The exceptions that led to <see cref="Exception"/> (its inner exceptions, Python's __cause__/__context__),
    /// oldest first, as Python prints them above the traceback; null for a lone exception.
    /// </summary>
    public List<ExceptionInfo>? Causes { get; set; }
    public RequestInfo? Request { get; set; }
    public List<string>? Fingerprint { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public Dictionary<string, JsonElement>? User { get; set; }

    /// <summary>The route the SDK names the request by (<c>/orders/{order_id}/</c>), Sentry's <c>transaction</c>.</summary>
    public string? Transaction { get; set; }

    /// <summary>The monitor a <see cref="EventKind.Monitor"/> event is about, and what happened to its run.</summary>
    public MonitorFailureInfo? Monitor { get; set; }

    /// <summary>The language runtime ("CPython 3.11.2"), from Sentry's <c>contexts.runtime</c>.</summary>
    public string? Runtime { get; set; }

    /// <summary>The operating system ("Linux 6.1.0"), from Sentry's <c>contexts.os</c>.</summary>
    public string? Os { get; set; }

    /// <summary>Installed packages and their versions (Sentry's <c>modules</c>), bounded on ingestion.</summary>
    public Dictionary<string, string>? Modules { get; set; }
}

/// <summary>
/// How the next exception of a chain came from this one, as Python tells them apart: raised from it
/// (<c>raise ... from</c>, <c>__cause__</c>; .NET's inner exception) or while handling it (<c>__context__</c>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExceptionChaining>))]
public enum ExceptionChaining
{
    Unknown = 0,
    Cause = 1,
    Context = 2,
}

/// <summary>A monitored job's failure: which monitor, how it failed, and the run's log if it posted one.</summary>
public sealed class MonitorFailureInfo
{
    public long MonitorId { get; set; }
    public string? Uuid { get; set; }
    public string? Slug { get; set; }
    public string? Schedule { get; set; }
    /// <summary>"missed", "failed", "timed_out".</summary>
    public string? Failure { get; set; }
    public DateTime? ExpectedAt { get; set; }
    public int? ExitStatus { get; set; }
    public int Failures { get; set; }
    public string? Log { get; set; }
}

public sealed class ExceptionInfo
{
    public string? Type { get; set; }
    public string? Value { get; set; }
    public string? Module { get; set; }
    public List<FrameInfo>? Frames { get; set; }

    /// <summary>For a cause: how the exception after it in the chain came from it; Unknown when the client did not say.</summary>
    public ExceptionChaining? Chaining { get; set; }
}

public sealed class FrameInfo
{
    public string? Filename { get; set; }
    public string? Function { get; set; }
    public int? Lineno { get; set; }
    public string? Module { get; set; }
    public bool? InApp { get; set; }
    public string? ContextLine { get; set; }

    /// <summary>Source lines before and after <see cref="ContextLine"/>, nearest last and first.</summary>
    public List<string>? PreContext { get; set; }
    public List<string>? PostContext { get; set; }

    /// <summary>The frame's local variables by name (Django's technical 500 page shows them); scrubbed on ingestion.</summary>
    public Dictionary<string, JsonElement>? Vars { get; set; }
}

public sealed class RequestInfo
{
    public string? Url { get; set; }
    public string? Method { get; set; }
    public string? Referrer { get; set; }
    public string? UserAgent { get; set; }
    public string? RemoteAddr { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public Dictionary<string, string>? Cookies { get; set; }

    /// <summary>The raw query string (without '?'), for clients that send it apart from the URL.</summary>
    public string? QueryString { get; set; }

    /// <summary>The request body: form fields or JSON as an object, or a raw string.</summary>
    public JsonElement? Data { get; set; }
}

public static class EventKinds
{
    public const string Error = "error";
    public const string BrokenLink = "broken_link";

    public static EventKind? Parse(string? kind) => kind switch
    {
        null or Error => EventKind.Error,
        BrokenLink => EventKind.BrokenLink,
        _ => null,
    };

    public const string Monitor = "monitor";

    public static string Name(EventKind kind) => kind switch
    {
        EventKind.BrokenLink => BrokenLink,
        EventKind.Monitor => Monitor,
        _ => Error,
    };
}

/// <summary>The one way a payload is stored and read back: source-generated, never null on read.</summary>
public static class EventJson
{
    /// <summary>
    /// How deep an event's JSON may nest, for every reader (native, Sentry) and the writer alike, so whatever is read can be
    /// stored. Refused beyond (400 naming it), not trimmed: SDKs already trim far shallower (Python 10 levels, JavaScript 3).
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>The stored JSON, as UTF-8: what SQLite's TEXT column holds byte for byte.</summary>
    public static byte[] WriteUtf8(EventPayload payload) => JsonSerializer.SerializeToUtf8Bytes(payload, EventJsonContext.Default.EventPayload);

    public static EventPayload Read(string json) =>
        JsonSerializer.Deserialize(json, EventJsonContext.Default.EventPayload) ?? new EventPayload();
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = EventJson.MaxDepth)]
[JsonSerializable(typeof(EventPayload))]
public sealed partial class EventJsonContext : JsonSerializerContext;
