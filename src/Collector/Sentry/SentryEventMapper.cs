using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;

namespace Alerts.Collector.Sentry;

/// <summary>A Sentry event in Alerts' model, under the id the SDK gave it.</summary>
internal sealed record MappedEvent(string Id, EventPayload Payload);

/// <summary>
/// Maps a Sentry event onto <see cref="EventPayload"/>, the model native events use, so grouping, mails and the
/// Dashboard need not know which protocol brought an event. Like Sentry, it trims what is over a limit instead of
/// refusing the event: an SDK has no way to fix and resend it.
/// </summary>
internal static partial class SentryEventMapper
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
    public static MappedEvent Map(ReadOnlySpan<byte> json, string? fallbackId, string? clientAddress)
    {
        var e = JsonSerializer.Deserialize(json, SentryJsonContext.Default.SentryEvent)
            ?? throw new JsonException("The event must be a JSON object.");
        var id = NormalizeId(e.EventId) ?? NormalizeId(fallbackId) ?? StoredEvent.NewId();
        return new MappedEvent(id, Map(e, clientAddress));
    }

    /// <summary>A Sentry event id (32 hex digits, or a UUID with dashes) as 32 lowercase hex digits; null if it is not one.</summary>
    public static string? NormalizeId(string? id) =>
        id is { Length: 32 or 36 } && Guid.TryParse(id, out var guid) && guid != Guid.Empty ? guid.ToString("N") : null;

    public static EventPayload Map(SentryEvent e, string? clientAddress)
    {
        // Node's SDK wraps a captured message in a synthetic exception: it is still a message, grouped by its text.
        var raised = e.Exception?.Where(x => x.Mechanism?.Synthetic != true).ToList();
        var exceptions = raised is { Count: > 0 } ? raised.Select(MapException).ToList() : null;
        // Each exception's mechanism says how it hangs off the one after it (its parent); Alerts keeps that on the cause.
        for (var i = 0; exceptions is not null && i < exceptions.Count - 1; i++)
            exceptions[i].Chaining = ChainingOf(raised![i].Mechanism?.Source);
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
            Transaction = Cut(e.Transaction, MaxTagValue),
            Runtime = NamedVersion(e.Contexts, "runtime"),
            Os = NamedVersion(e.Contexts, "os"),
            Modules = ModulesOf(e.Modules),
        };
    }

    public const int MaxModules = 500;

    private static readonly string[] NameAndVersion = ["name", "version"];

    /// <summary>Sentry's chained-exception sources: Python's <c>__cause__</c>/<c>__context__</c>, .NET's inner exception.</summary>
    internal static ExceptionChaining ChainingOf(string? source) => source switch
    {
        "__cause__" or "InnerException" => ExceptionChaining.Cause,
        "__context__" => ExceptionChaining.Context,
        _ => ExceptionChaining.Unknown,
    };

    /// <summary>"CPython 3.11.2" from a context such as <c>{"name": "CPython", "version": "3.11.2"}</c>.</summary>
    private static string? NamedVersion(JsonElement? contexts, string key)
    {
        if (contexts is not { ValueKind: JsonValueKind.Object } all || !all.TryGetProperty(key, out var c) || c.ValueKind != JsonValueKind.Object)
            return null;
        var parts = NameAndVersion
            .Select(p => c.TryGetProperty(p, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null)
            .Where(p => !string.IsNullOrWhiteSpace(p));
        var text = string.Join(' ', parts);
        return text.Length == 0 ? null : Cut(text, MaxTagValue);
    }

    private static Dictionary<string, string>? ModulesOf(Dictionary<string, string>? modules)
    {
        if (modules is not { Count: > 0 }) return null;
        return modules.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Take(MaxModules)
            .ToDictionary(m => Cut(m.Key, MaxTagValue)!, m => Cut(m.Value, MaxTagValue)!, StringComparer.Ordinal);
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
            else user["ip_address"] = JsonSerializer.SerializeToElement(clientAddress, SentryJsonContext.Default.String);
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
