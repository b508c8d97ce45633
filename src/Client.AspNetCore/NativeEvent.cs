using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerts.Client.AspNetCore;

/// <summary>The body of <c>POST /api/v1/events</c> (DESIGN.md, "HTTP contract"): what this client fills in of it.</summary>
internal sealed class NativeEvent
{
    public const string Error = "error";
    public const string BrokenLink = "broken_link";

    public required string Kind { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public string? Environment { get; init; }
    public string? Release { get; init; }
    public string? ServerName { get; init; }
    public string? Level { get; init; }
    public string? Message { get; init; }
    public NativeException? Exception { get; set; }

    /// <summary>The inner exceptions that led to <see cref="Exception"/>, innermost (oldest) first.</summary>
    public List<NativeException>? Causes { get; set; }

    public NativeRequest? Request { get; init; }
}

internal sealed class NativeException
{
    public required string Type { get; init; }
    public string? Value { get; init; }
    public string? Module { get; init; }

    /// <summary>Oldest call first, the frame that threw last (as Python prints a traceback).</summary>
    public List<NativeFrame>? Frames { get; init; }
}

internal sealed class NativeFrame
{
    public string? Filename { get; init; }
    public string? Function { get; init; }
    public int? Lineno { get; init; }
    public string? Module { get; init; }
    public bool InApp { get; init; }
}

internal sealed class NativeRequest
{
    public string? Url { get; init; }
    public string? Method { get; init; }
    public string? Referrer { get; init; }
    public string? UserAgent { get; init; }
    public string? RemoteAddr { get; init; }
    public Dictionary<string, string>? Headers { get; init; }
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NativeEvent))]
internal sealed partial class NativeEventJsonContext : JsonSerializerContext;
