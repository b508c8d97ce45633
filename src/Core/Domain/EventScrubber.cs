using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Events;

namespace Alerts.Core.Domain;

/// <summary>
/// Hides secrets before an event is stored, by Django's SafeExceptionReporterFilter rule: a value whose name matches
/// <see cref="DefaultPattern"/> (case-insensitive, anywhere in the name) becomes <see cref="Substitute"/>. The stored
/// payload is what mails and the Dashboard show, so scrubbing at ingestion covers both.
/// </summary>
public static class EventScrubber
{
    /// <summary>Django's <c>hidden_settings</c>. A substring rule, so "passenger" and "compass" are hidden too, as in Django.</summary>
    public const string DefaultPattern = "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE";

    /// <summary>
    /// Cookies that carry a login or a form's proof whatever their name's other words: Django's <c>sessionid</c> and
    /// <c>csrftoken</c>, PHPSESSID, JSESSIONID, Express's <c>connect.sid</c>, Angular's XSRF-TOKEN. Django's own mail
    /// shows COOKIES unscrubbed; Alerts does not.
    /// </summary>
    public const string SessionCookiePattern = @"SESS|CSRF|XSRF|(?:^|[._-])SID$";

    /// <summary>Django's <c>cleansed_substitute</c>.</summary>
    public const string Substitute = "********************";

    /// <summary>Longest one name match may take; a name whose match times out is treated as sensitive.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    // After MatchTimeout: static fields initialise in order.
    private static readonly Regex SessionCookieNames = new(SessionCookiePattern,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);

    private static readonly JsonElement SubstituteElement = JsonElement.Parse("\"" + Substitute + "\"");

    /// <summary>
    /// The default rule and <paramref name="extraPatterns"/> as one compiled, case-insensitive regex. Build it once:
    /// compiling costs milliseconds. Each pattern sits in its own group, so numbered backreferences in an extra
    /// pattern count the groups of the patterns before it; use named groups there.
    /// </summary>
    public static Regex SensitiveNames(IEnumerable<string> extraPatterns)
    {
        var pattern = string.Join('|', extraPatterns.Prepend(DefaultPattern).Select(p => $"(?:{p})"));
        return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
    }

    /// <summary>
    /// Scrubs <paramref name="e"/> in place (ingestion owns the freshly parsed payload; a copy would double the
    /// allocation on the hot path): request headers, cookies, the query of the URL, the referrer and the query
    /// string, the body, frame variables (of the exception and its causes) and user fields.
    /// </summary>
    public static void Scrub(EventPayload e, Regex sensitiveNames)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(sensitiveNames);
        if (e.Request is { } r)
        {
            r.Url = ScrubUrl(r.Url, sensitiveNames);
            r.Referrer = ScrubUrl(r.Referrer, sensitiveNames);
            if (r.QueryString is { } query)
                r.QueryString = ScrubQuery(query, query.StartsWith('?') ? 1 : 0, query.Length, sensitiveNames);
            ScrubHeaders(r.Headers, sensitiveNames);
            ScrubStrings(r.Cookies, sensitiveNames);
            ScrubStrings(r.Cookies, SessionCookieNames);
            if (r.Data is { } data) r.Data = ScrubData(data, sensitiveNames);
        }
        foreach (var frame in e.Exception?.Frames ?? [])
            ScrubElements(frame.Vars, sensitiveNames);
        foreach (var frame in e.Causes?.SelectMany(c => c.Frames ?? []) ?? [])
            ScrubElements(frame.Vars, sensitiveNames);
        // User fields are walked by name like frame variables (a serialised Django User carries its password hash);
        // tags are not: they are short labels the app chose for filtering (api_version, auth_backend), not payloads.
        ScrubElements(e.User, sensitiveNames);
    }

    /// <summary>The URL with the values of sensitive query parameters replaced; everything else, fragment included, as it was.</summary>
    [return: NotNullIfNotNull(nameof(url))]
    private static string? ScrubUrl(string? url, Regex sensitiveNames)
    {
        if (url is null) return null;
        var question = url.IndexOf('?', StringComparison.Ordinal);
        if (question < 0) return url;
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0 && hash < question) return url; // a '?' inside the fragment starts no query
        return ScrubQuery(url, question + 1, hash < 0 ? url.Length : hash, sensitiveNames);
    }

    /// <summary>
    /// Replaces the values of sensitive parameters in <c>s[from..to]</c>, a query split on '&amp;' (as URLSearchParams and
    /// Python's parse_qsl do). The substitute goes in as literal asterisks: '*' is legal in a query and needs no
    /// encoding, so the URL stays valid and readable. Returns <paramref name="s"/> itself when nothing matched.
    /// </summary>
    private static string ScrubQuery(string s, int from, int to, Regex names)
    {
        StringBuilder? scrubbed = null;
        var copied = 0;
        var start = from;
        while (start <= to)
        {
            var amp = s.AsSpan(start, to - start).IndexOf('&');
            var end = amp < 0 ? to : start + amp;
            var eq = s.AsSpan(start, end - start).IndexOf('=');
            if (eq > 0 && IsSensitiveQueryName(s.AsSpan(start, eq), names))
            {
                var valueStart = start + eq + 1;
                scrubbed ??= new StringBuilder(s.Length + Substitute.Length);
                scrubbed.Append(s, copied, valueStart - copied).Append(Substitute);
                copied = end;
            }
            start = end + 1;
        }
        return scrubbed is null ? s : scrubbed.Append(s, copied, s.Length - copied).ToString();
    }

    private static bool IsSensitiveQueryName(ReadOnlySpan<char> name, Regex names) =>
        name.ContainsAny('%', '+')
            ? IsSensitive(Uri.UnescapeDataString(name.ToString().Replace('+', ' ')), names)
            : IsSensitive(name, names);

    private static bool IsSensitive(ReadOnlySpan<char> name, Regex names)
    {
        try
        {
            return names.IsMatch(name);
        }
        catch (RegexMatchTimeoutException)
        {
            return true; // a pathological extra pattern must not let a secret through
        }
    }

    // Overwriting the value of an existing key does not invalidate a Dictionary's enumerator, so the loops below
    // scrub in place without copying the keys.
    private static void ScrubHeaders(Dictionary<string, string>? headers, Regex names)
    {
        if (headers is null) return;
        foreach (var (name, value) in headers)
        {
            if (IsSensitive(name, names)) headers[name] = Substitute;
            // The Referer header repeats request.referrer, query string and all.
            else if (name.Equals("Referer", StringComparison.OrdinalIgnoreCase)) headers[name] = ScrubUrl(value, names);
        }
    }

    private static void ScrubStrings(Dictionary<string, string>? values, Regex names)
    {
        if (values is null) return;
        foreach (var name in values.Keys)
            if (IsSensitive(name, names)) values[name] = Substitute;
    }

    private static void ScrubElements(Dictionary<string, JsonElement>? values, Regex names)
    {
        if (values is null) return;
        foreach (var (name, value) in values)
            values[name] = IsSensitive(name, names) ? SubstituteElement : ScrubJson(value, names);
    }

    private static JsonElement ScrubData(JsonElement data, Regex names)
    {
        if (data.ValueKind != JsonValueKind.String) return ScrubJson(data, names);
        // A body the client did not parse arrives as a string; a form post is then x-www-form-urlencoded.
        var body = data.GetString()!;
        var scrubbed = ScrubQuery(body, 0, body.Length, names);
        return ReferenceEquals(scrubbed, body) ? data : ToElement(w => w.WriteStringValue(scrubbed));
    }

    /// <summary>Objects walked recursively, arrays item by item; rewritten only when a sensitive name is present.</summary>
    private static JsonElement ScrubJson(JsonElement value, Regex names) =>
        HasSensitiveName(value, names) ? ToElement(w => WriteScrubbed(w, value, names)) : value;

    private static bool HasSensitiveName(JsonElement value, Regex names)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in value.EnumerateObject())
                if (IsSensitive(p.Name, names) || HasSensitiveName(p.Value, names)) return true;
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
                if (HasSensitiveName(item, names)) return true;
        }
        return false;
    }

    private static void WriteScrubbed(Utf8JsonWriter w, JsonElement value, Regex names)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in value.EnumerateObject())
                {
                    var name = p.Name;
                    w.WritePropertyName(name);
                    if (IsSensitive(name, names)) w.WriteStringValue(Substitute);
                    else WriteScrubbed(w, p.Value, names);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var item in value.EnumerateArray()) WriteScrubbed(w, item, names);
                w.WriteEndArray();
                break;
            default:
                value.WriteTo(w);
                break;
        }
    }

    private static JsonElement ToElement(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return JsonElement.Parse(buffer.WrittenSpan);
    }
}
