using System.Globalization;
using System.Text.Json;

namespace Alerts.Core.Events;

/// <summary>One name and its value as a reader sees it: already scrubbed (on ingestion) and cut to size.</summary>
public sealed record DetailRow(string Name, string Value);

/// <summary>A titled table of an event (Django's report: USER, GET, POST, COOKIES, META); <paramref name="Omitted"/> rows left out.</summary>
public sealed record DetailSection(string Title, IReadOnlyList<DetailRow> Rows, int Omitted = 0);

/// <summary>
/// What Django's error report shows beyond the traceback, from a stored (scrubbed) event, bounded so a mail stays readable
/// whatever an SDK sent: at most <see cref="MaxRows"/> rows a table, <see cref="MaxValue"/> characters a value. The mail's
/// two parts and the Dashboard read these, so they show the same.
/// </summary>
public static class EventDetails
{
    public const int MaxRows = 50;
    public const int MaxValue = 500;

    /// <summary>Frames whose local variables are shown, innermost first (Django shows all; a mail needs the few near the error).</summary>
    public const int MaxFramesWithLocals = 10;

    /// <summary>The URL as requested: clients that send the query string apart (the Python SDK) get it back on the URL.</summary>
    public static string? FullUrl(RequestInfo? r)
    {
        if (r?.Url is not { } url) return r?.QueryString is { Length: > 0 } q ? "?" + q.TrimStart('?') : null;
        if (r.QueryString is not { Length: > 0 } query || url.Contains('?', StringComparison.Ordinal)) return url;
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var withQuery = "?" + query.TrimStart('?');
        return hash < 0 ? url + withQuery : url.Insert(hash, withQuery);
    }

    /// <summary>The request's and the app's tables, in Django's order: user, GET, POST, cookies, headers (META).</summary>
    public static IReadOnlyList<DetailSection> RequestSections(EventPayload e)
    {
        var sections = new List<DetailSection>();
        Add(sections, "User", e.User?.Select(u => (u.Key, Show(u.Value))));
        Add(sections, "GET", QueryOf(e.Request));
        Add(sections, "POST", FormOf(e.Request?.Data));
        Add(sections, "Cookies", e.Request?.Cookies?.Select(c => (c.Key, c.Value)));
        Add(sections, "Headers", e.Request?.Headers?.Select(h => (h.Key, h.Value)));
        return sections;
    }

    /// <summary>Where it ran: server time, server, runtime, OS, environment, release; then the installed packages.</summary>
    public static IReadOnlyList<DetailSection> ServerSections(EventPayload e, DateTime receivedAt)
    {
        var sections = new List<DetailSection>();
        var time = (e.Timestamp ?? receivedAt).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        Add(sections, "Server", new (string, string?)[]
        {
            ("Server time", time),
            ("Server", e.ServerName),
            ("Runtime", e.Runtime),
            ("OS", e.Os),
            ("Environment", e.Environment),
            ("Release", e.Release),
        }.Where(r => !string.IsNullOrWhiteSpace(r.Item2)).Select(r => (r.Item1, r.Item2!)));
        Add(sections, "Installed packages", e.Modules?.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Select(m => (m.Key, m.Value)));
        return sections;
    }

    /// <summary>A frame's local variables (scrubbed on ingestion), or null when it has none or is too far from the error.</summary>
    /// <param name="fromInnermost">0 for the frame that raised, 1 for its caller, ...</param>
    public static DetailSection? Locals(FrameInfo frame, int fromInnermost) =>
        fromInnermost < MaxFramesWithLocals && frame.Vars is { Count: > 0 } vars
            ? Section("Local vars", vars.Select(v => (v.Key, Show(v.Value))))
            : null;

    /// <summary>The line Python prints between two exceptions of a chain, by how the second came from the first.</summary>
    public static string ChainingText(ExceptionChaining? chaining) => chaining switch
    {
        ExceptionChaining.Cause => "The above exception was the direct cause of the following exception:",
        ExceptionChaining.Context => "During handling of the above exception, another exception occurred:",
        // Older SDKs do not say which; Alerts does not guess.
        _ => "The above exception led to the following exception:",
    };

    /// <summary>A value as text: strings as they are (Python's SDK already sends repr()), anything else as JSON.</summary>
    public static string Show(JsonElement value) =>
        Cut(value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText());

    private static IEnumerable<(string, string)>? QueryOf(RequestInfo? r)
    {
        var query = r?.QueryString ?? (r?.Url is { } url && url.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? url[(q + 1)..].Split('#')[0] : null);
        return string.IsNullOrEmpty(query) ? null : Pairs(query.TrimStart('?'));
    }

    private static IEnumerable<(string, string)>? FormOf(JsonElement? data) => data switch
    {
        { ValueKind: JsonValueKind.Object } form => form.EnumerateObject().Select(p => (p.Name, Show(p.Value))),
        { ValueKind: JsonValueKind.String } body when body.GetString() is { Length: > 0 } text =>
            text.Contains('=', StringComparison.Ordinal) && !text.Contains('\n', StringComparison.Ordinal) ? Pairs(text) : [("body", text)],
        { ValueKind: JsonValueKind.Array } list => [("body", list.GetRawText())],
        _ => null,
    };

    /// <summary>An x-www-form-urlencoded string as name/value pairs, decoded as Django's QueryDict reads it.</summary>
    private static IEnumerable<(string, string)> Pairs(string encoded) =>
        encoded.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            return eq < 0 ? (Decode(pair), "") : (Decode(pair[..eq]), Decode(pair[(eq + 1)..]));
        });

    private static string Decode(string part)
    {
        try
        {
            return Uri.UnescapeDataString(part.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return part;
        }
    }

    private static void Add(List<DetailSection> sections, string title, IEnumerable<(string, string)>? rows)
    {
        if (rows is not null && Section(title, rows) is { } section) sections.Add(section);
    }

    private static DetailSection? Section(string title, IEnumerable<(string Name, string Value)> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0) return null;
        return new DetailSection(title, [.. all.Take(MaxRows).Select(r => new DetailRow(Cut(r.Name), Cut(r.Value)))], Math.Max(0, all.Count - MaxRows));
    }

    private static string Cut(string text)
    {
        if (text.Length <= MaxValue) return text;
        var cut = MaxValue - 1;
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
