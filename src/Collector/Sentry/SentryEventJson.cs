using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Alerts.Core.Events;

namespace Alerts.Collector.Sentry;

// The parts of Sentry's event payload (https://develop.sentry.dev/sdk/data-model/event-payloads/) that Alerts keeps.
// Fields the protocol lets SDKs send in several shapes (a string or an object, an object or a list of pairs) are
// read by the converters below, so every shape an SDK sends reads without a JsonDocument on the hot path.

internal sealed class SentryEvent
{
    public string? EventId { get; set; }

    [JsonConverter(typeof(SentryTimestampConverter))]
    public DateTime? Timestamp { get; set; }

    public string? Level { get; set; }
    public string? Logger { get; set; }
    public string? Platform { get; set; }
    public string? Environment { get; set; }
    public string? Release { get; set; }
    public string? ServerName { get; set; }

    [JsonConverter(typeof(SentryMessageConverter))]
    public SentryMessage? Message { get; set; }

    [JsonConverter(typeof(SentryMessageConverter))]
    public SentryMessage? Logentry { get; set; }

    [JsonConverter(typeof(SentryValuesConverter<SentryException>))]
    public List<SentryException>? Exception { get; set; }

    public SentryRequest? Request { get; set; }

    [JsonConverter(typeof(SentryStringMapConverter))]
    public Dictionary<string, string>? Tags { get; set; }

    public Dictionary<string, JsonElement>? User { get; set; }

    [JsonConverter(typeof(SentryStringListConverter))]
    public List<string>? Fingerprint { get; set; }

    public string? Transaction { get; set; }

    /// <summary>Only <c>runtime</c> and <c>os</c> are read (any shape: an odd context never fails the event); the rest is skipped.</summary>
    public JsonElement? Contexts { get; set; }

    [JsonConverter(typeof(SentryStringMapConverter))]
    public Dictionary<string, string>? Modules { get; set; }
}


/// <summary><c>message</c> (a string, or an object) and <c>logentry</c>: a template, its params, the formatted text.</summary>
internal sealed class SentryMessage
{
    public string? Message { get; set; }
    public string? Formatted { get; set; }
    public JsonElement? Params { get; set; }
}

internal sealed class SentryException
{
    public string? Type { get; set; }
    public string? Value { get; set; }
    public string? Module { get; set; }
    public SentryStacktrace? Stacktrace { get; set; }
    public SentryMechanism? Mechanism { get; set; }
}

internal sealed class SentryMechanism
{
    /// <summary>The SDK made the exception up to carry a stack trace for a message: nothing was raised.</summary>
    public bool? Synthetic { get; set; }

    /// <summary>Where the SDK found this exception on its parent: <c>__cause__</c>, <c>__context__</c> (Python), <c>InnerException</c> (.NET).</summary>
    public string? Source { get; set; }
}

internal sealed class SentryStacktrace
{
    public List<SentryFrame>? Frames { get; set; }
}

internal sealed class SentryFrame
{
    public string? Filename { get; set; }
    public string? AbsPath { get; set; }
    public string? Function { get; set; }
    public string? Module { get; set; }
    public int? Lineno { get; set; }
    public bool? InApp { get; set; }
    public string? ContextLine { get; set; }
    public List<string?>? PreContext { get; set; }
    public List<string?>? PostContext { get; set; }
    public Dictionary<string, JsonElement>? Vars { get; set; }
}

internal sealed class SentryRequest
{
    public string? Url { get; set; }
    public string? Method { get; set; }

    [JsonConverter(typeof(SentryQueryStringConverter))]
    public string? QueryString { get; set; }

    [JsonConverter(typeof(SentryStringMapConverter))]
    public Dictionary<string, string>? Headers { get; set; }

    [JsonConverter(typeof(SentryCookiesConverter))]
    public Dictionary<string, string>? Cookies { get; set; }

    [JsonConverter(typeof(SentryStringMapConverter))]
    public Dictionary<string, string>? Env { get; set; }

    public JsonElement? Data { get; set; }
}

/// <summary>The envelope's first line: the only headers Alerts reads.</summary>
internal sealed class SentryEnvelopeHeader
{
    public string? EventId { get; set; }
    public string? Dsn { get; set; }
}

/// <summary>An item's header line: its type and, optionally, its payload's length in bytes.</summary>
internal sealed class SentryItemHeader
{
    public string? Type { get; set; }
    public long? Length { get; set; }
}

/// <summary>The answer Sentry SDKs expect: the id of the event they sent.</summary>
public sealed record SentryAccepted(string? Id);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = EventJson.MaxDepth)]
[JsonSerializable(typeof(SentryEvent))]
[JsonSerializable(typeof(List<SentryException>))]
[JsonSerializable(typeof(SentryEnvelopeHeader))]
[JsonSerializable(typeof(SentryItemHeader))]
[JsonSerializable(typeof(SentryAccepted))]
[JsonSerializable(typeof(string))]
internal sealed partial class SentryJsonContext : JsonSerializerContext;

/// <summary>RFC 3339 text or seconds since the epoch (a float); anything else reads as "no timestamp".</summary>
internal sealed class SentryTimestampConverter : JsonConverter<DateTime?>
{
    public override bool HandleNull => true;

    public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out var seconds) && double.IsFinite(seconds)
                                           && seconds is > 0 and < 253_402_300_799: // before year 10000
                return DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
            case JsonTokenType.String:
                var text = reader.GetString();
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                    return parsed.UtcDateTime;
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && s is > 0 and < 253_402_300_799)
                    return DateTime.UnixEpoch.AddTicks((long)(s * TimeSpan.TicksPerSecond));
                return null;
            default:
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary>A message as a plain string (the legacy form) or as an object with message, params, formatted.</summary>
internal sealed class SentryMessageConverter : JsonConverter<SentryMessage?>
{
    public override SentryMessage? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new SentryMessage { Formatted = reader.GetString() };
            case JsonTokenType.StartObject:
                var message = new SentryMessage();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "message": message.Message = SentryJson.ReadText(ref reader); break;
                        case "formatted": message.Formatted = SentryJson.ReadText(ref reader); break;
                        case "params": message.Params = JsonElement.ParseValue(ref reader); break;
                        default: reader.Skip(); break;
                    }
                }
                return message;
            default:
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, SentryMessage? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary><c>{"values": [...]}</c> or, in older SDKs, the bare list.</summary>
internal sealed class SentryValuesConverter<T> : JsonConverter<List<T>?>
{
    public override List<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var listInfo = (JsonTypeInfo<List<T>>)options.GetTypeInfo(typeof(List<T>));
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray:
                return JsonSerializer.Deserialize(ref reader, listInfo);
            case JsonTokenType.StartObject:
                List<T>? values = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "values" && reader.TokenType == JsonTokenType.StartArray) values = JsonSerializer.Deserialize(ref reader, listInfo);
                    else reader.Skip();
                }
                return values;
            default:
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, List<T>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary>
/// An object of name → value, or a list of [name, value] pairs (how SDKs keep repeated headers); values that are not
/// strings keep their JSON text, nulls are left out. A repeated name keeps its values joined by ", " as HTTP does.
/// </summary>
internal sealed class SentryStringMapConverter : JsonConverter<Dictionary<string, string>?>
{
    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    Add(map, name, SentryJson.ReadText(ref reader));
                }
                return map;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); continue; }
                    string? name = null, value = null;
                    var index = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var text = SentryJson.ReadText(ref reader);
                        if (index == 0) name = text;
                        else if (index == 1) value = text;
                        index++;
                    }
                    if (name is not null) Add(map, name, value);
                }
                return map;
            default:
                reader.Skip();
                return null;
        }
    }

    private static void Add(Dictionary<string, string> map, string name, string? value)
    {
        if (value is null) return;
        map[name] = map.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary>Cookies as the raw Cookie header ("a=1; b=2"), an object, or a list of pairs.</summary>
internal sealed class SentryCookiesConverter : JsonConverter<Dictionary<string, string>?>
{
    private static readonly SentryStringMapConverter Map = new();

    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) return Map.Read(ref reader, typeToConvert, options);
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in reader.GetString()!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) cookies[part[..eq]] = part[(eq + 1)..];
        }
        return cookies;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary>A query string as text ("a=1&amp;b=2", with or without '?'), an object, or a list of pairs: always text.</summary>
internal sealed class SentryQueryStringConverter : JsonConverter<string?>
{
    private static readonly SentryStringMapConverter Map = new();

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetString()?.TrimStart('?');
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            reader.Skip();
            return null;
        }
        var pairs = Map.Read(ref reader, typeof(Dictionary<string, string>), options);
        var query = new StringBuilder();
        foreach (var (name, value) in pairs ?? [])
        {
            if (query.Length > 0) query.Append('&');
            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return query.ToString();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

/// <summary>A list whose items are texts or other values (a fingerprint part may be a number): all as text.</summary>
internal sealed class SentryStringListConverter : JsonConverter<List<string>?>
{
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            if (SentryJson.ReadText(ref reader) is { } text) list.Add(text);
        return list;
    }

    public override void Write(Utf8JsonWriter writer, List<string>? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Sentry events are only read.");
}

internal static class SentryJson
{
    /// <summary>The value under the reader as text: a string as is, null as null, anything else as its JSON.</summary>
    public static string? ReadText(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        JsonTokenType.StartObject or JsonTokenType.StartArray => JsonElement.ParseValue(ref reader).GetRawText(),
        _ => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
    };
}
