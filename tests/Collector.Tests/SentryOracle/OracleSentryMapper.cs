using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Collector.Tests.SentryOracle;

// The object-model Sentry mapper the collector used before its single-pass reader: deserialized into classes by
// System.Text.Json, then copied onto EventPayload. The differential tests hold the single-pass mapper to it.

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

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = EventJson.MaxDepth)]
[JsonSerializable(typeof(SentryEvent))]
[JsonSerializable(typeof(List<SentryException>))]
[JsonSerializable(typeof(string))]
internal sealed partial class OracleJsonContext : JsonSerializerContext;

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

/// <summary>
/// Maps a Sentry event onto <see cref="EventPayload"/>, the model native events use, so grouping, mails and the
/// Dashboard need not know which protocol brought an event. Like Sentry, it trims what is over a limit instead of
/// refusing the event: an SDK has no way to fix and resend it.
/// </summary>
internal static partial class OracleSentryMapper
{
    public const int MaxText = 8 * 1024;
    public const int MaxFrames = 250;
    public const int MaxTags = 100;
    public const int MaxTagValue = 200;
    public const int MaxFingerprintParts = 32;

    /// <summary>Sentry's title for an event with neither an exception nor a message.</summary>
    public const string Unlabeled = "<unlabeled event>";

    /// <summary>A user field Sentry SDKs send for "take the address the request came from".</summary>
    private const string AutoAddress = "{{auto}}";

    /// <summary>Parses and maps one event payload (a store body, an envelope's event item).</summary>
    /// <param name="fallbackId">The envelope header's event_id, used when the event carries none.</param>
    /// <param name="clientAddress">The address the request came from, for <c>{{auto}}</c>.</param>
    /// <exception cref="JsonException">The payload is not a JSON object of the event's shape.</exception>
    public static (string Id, EventPayload Payload) Map(ReadOnlySpan<byte> json, string? fallbackId, string? clientAddress)
    {
        var e = JsonSerializer.Deserialize(json, OracleJsonContext.Default.SentryEvent)
            ?? throw new JsonException("The event must be a JSON object.");
        var id = NormalizeId(e.EventId) ?? NormalizeId(fallbackId) ?? StoredEvent.NewId();
        return (id, Map(e, clientAddress));
    }

    /// <summary>A Sentry event id (32 hex digits, or a UUID with dashes) as 32 lowercase hex digits; null if it is not one.</summary>
    public static string? NormalizeId(string? id) =>
        id is { Length: 32 or 36 } && Guid.TryParse(id, out var guid) && guid != Guid.Empty ? guid.ToString("N") : null;

    public static EventPayload Map(SentryEvent e, string? clientAddress)
    {
        // Node's SDK wraps a captured message in a synthetic exception: it is still a message, grouped by its text.
        var raised = e.Exception?.Where(x => x.Mechanism?.Synthetic != true).ToList();
        var exceptions = raised is { Count: > 0 } ? raised.Select(MapException).ToList() : null;
        var (message, template) = MessageOf(e.Logentry ?? e.Message);
        message ??= e.Exception?.FirstOrDefault(x => x.Mechanism?.Synthetic == true)?.Value is { Length: > 0 } synthetic ? Cut(synthetic, MaxText) : null;
        return new EventPayload
        {
            Kind = EventKinds.Error,
            Timestamp = e.Timestamp,
            Environment = Cut(e.Environment, MaxTagValue),
            Release = Cut(e.Release, MaxTagValue),
            ServerName = Cut(e.ServerName, MaxTagValue),
            Level = LevelOf(e.Level),
            Logger = Cut(e.Logger, MaxTagValue),
            Message = message ?? (exceptions is null ? Unlabeled : null),
            MessageTemplate = template,
            // Sentry lists a chain oldest first: the last value is the exception that was raised.
            Exception = exceptions?[^1],
            Causes = exceptions is { Count: > 1 } ? exceptions[..^1] : null,
            Request = MapRequest(e.Request),
            Tags = TagsOf(e.Tags),
            User = UserOf(e.User, clientAddress),
            Fingerprint = FingerprintOf(e.Fingerprint),
        };
    }

    private static ExceptionInfo MapException(SentryException x) => new()
    {
        Type = string.IsNullOrWhiteSpace(x.Type) ? "Error" : Cut(x.Type, MaxTagValue),
        Value = Cut(x.Value, MaxText),
        // .NET sends the assembly's display name ("System.Private.CoreLib, Version=...") where Python sends the
        // module: the type is already namespace-qualified there, and the assembly would only clutter its name.
        Module = x.Module is { } module && !module.Contains(',', StringComparison.Ordinal) ? module : null,
        Frames = x.Stacktrace?.Frames is { Count: > 0 } frames ? [.. frames.TakeLast(MaxFrames).Select(MapFrame)] : null,
    };

    private static FrameInfo MapFrame(SentryFrame f) => new()
    {
        Filename = f.Filename ?? f.AbsPath,
        Function = f.Function,
        Module = f.Module,
        Lineno = f.Lineno,
        InApp = f.InApp,
        ContextLine = f.ContextLine,
        PreContext = f.PreContext is { Count: > 0 } pre ? [.. pre.Select(l => l ?? "")] : null,
        PostContext = f.PostContext is { Count: > 0 } post ? [.. post.Select(l => l ?? "")] : null,
        Vars = f.Vars is { Count: > 0 } vars ? vars : null,
    };

    /// <summary>The text to show and, when it was formatted from one, the template to group by.</summary>
    internal static (string? Message, string? Template) MessageOf(SentryMessage? m)
    {
        if (m is null) return (null, null);
        var template = string.IsNullOrEmpty(m.Message) ? null : m.Message;
        var formatted = !string.IsNullOrEmpty(m.Formatted) ? m.Formatted : template is null ? null : Format(template, m.Params);
        if (formatted is null) return (null, null);
        return (Cut(formatted, MaxText), template is not null && template != formatted ? Cut(template, MaxText) : null);
    }

    /// <summary>Fills a printf-style template (<c>%s</c>, <c>%d</c>, ...) from positional params, as logging does.</summary>
    private static string Format(string template, JsonElement? parameters)
    {
        if (parameters is not { ValueKind: JsonValueKind.Array } list) return template;
        var args = list.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : p.GetRawText()).ToList();
        var next = 0;
        return PrintfToken().Replace(template, match => match.Value == "%%" ? "%" : next < args.Count ? args[next++] : match.Value);
    }

    [GeneratedRegex(@"%%|%[-+ #0]*\d*(?:\.\d+)?[sdifrcxXeEgGa]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex PrintfToken();

    /// <summary>Sentry's levels, with the aliases SDKs and logging libraries send.</summary>
    internal static string LevelOf(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "fatal" or "critical" => "fatal",
        "warning" or "warn" => "warning",
        "info" or "log" => "info",
        "debug" or "trace" => "debug",
        _ => "error",
    };

    private static RequestInfo? MapRequest(SentryRequest? r)
    {
        if (r is null) return null;
        var headers = r.Headers is { Count: > 0 } h ? h : null;
        var request = new RequestInfo
        {
            Url = r.Url,
            Method = r.Method?.ToUpperInvariant(),
            QueryString = string.IsNullOrEmpty(r.QueryString) ? null : r.QueryString,
            Headers = headers,
            Cookies = r.Cookies is { Count: > 0 } c ? c : null,
            Referrer = HeaderOf(headers, "Referer"),
            UserAgent = HeaderOf(headers, "User-Agent"),
            RemoteAddr = HeaderOf(r.Env, "REMOTE_ADDR"),
            Data = r.Data is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } data ? data : null,
        };
        // The .NET SDK sends "request": {} outside a web request.
        return request is { Url: null, Method: null, QueryString: null, Headers: null, Cookies: null, RemoteAddr: null, Data: null }
            ? null
            : request;
    }

    private static string? HeaderOf(Dictionary<string, string>? headers, string name)
    {
        if (headers is null) return null;
        foreach (var (key, value) in headers)
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase)) return value;
        return null;
    }

    private static Dictionary<string, string>? TagsOf(Dictionary<string, string>? tags)
    {
        if (tags is not { Count: > 0 }) return null;
        return tags.Take(MaxTags).ToDictionary(t => Cut(t.Key, MaxTagValue)!, t => Cut(t.Value, MaxTagValue)!, StringComparer.Ordinal);
    }

    private static Dictionary<string, JsonElement>? UserOf(Dictionary<string, JsonElement>? user, string? clientAddress)
    {
        if (user is not { Count: > 0 }) return null;
        if (user.TryGetValue("ip_address", out var ip) && ip.ValueKind == JsonValueKind.String && ip.GetString() == AutoAddress)
        {
            if (clientAddress is null) user.Remove("ip_address");
            else user["ip_address"] = JsonSerializer.SerializeToElement(clientAddress, OracleJsonContext.Default.String);
        }
        return user;
    }

    /// <summary>Sentry writes the placeholder with or without spaces; Alerts' <see cref="Fingerprinter"/> knows one spelling.</summary>
    private static List<string>? FingerprintOf(List<string>? parts)
    {
        if (parts is not { Count: > 0 }) return null;
        return [.. parts.Take(MaxFingerprintParts).Select(p => DefaultPlaceholder().IsMatch(p) ? Fingerprinter.DefaultPlaceholder : p)];
    }

    [GeneratedRegex(@"^\s*\{\{\s*default\s*\}\}\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 100)]
    private static partial Regex DefaultPlaceholder();

    private static string? Cut(string? text, int max)
    {
        if (text is null || text.Length <= max) return text;
        var cut = max - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--; // never keep half of a surrogate pair
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
