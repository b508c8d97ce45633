using System.Security.Cryptography;
using System.Text;
using Alerts.Core.Events;

namespace Alerts.Core.Domain;

/// <summary>Decides which events are "the same problem": equal fingerprints fold into one incident.</summary>
public static class Fingerprinter
{
    public const string DefaultPlaceholder = "{{ default }}";

    /// <summary>The fingerprint of an event: a 32-hex hash of its grouping components.</summary>
    public static string Compute(EventKind kind, EventPayload e) => Hash(Components(kind, e));

    /// <summary>The readable components the hash is made of, for tests and for showing why events grouped.</summary>
    public static IReadOnlyList<string> Components(EventKind kind, EventPayload e)
    {
        var defaults = DefaultComponents(kind, e);
        if (e.Fingerprint is not { Count: > 0 } custom)
            return defaults;
        // A client fingerprint wins; "{{ default }}" splices in what we would have used (Sentry's rule).
        var result = new List<string>(custom.Count + defaults.Count) { "custom" };
        foreach (var part in custom)
        {
            if (part.Trim() == DefaultPlaceholder) result.AddRange(defaults);
            else result.Add(part);
        }
        return result;
    }

    private static List<string> DefaultComponents(EventKind kind, EventPayload e)
    {
        if (kind == EventKind.BrokenLink)
            return ["broken_link", TargetOf(e.Request?.Url)];
        // One incident per monitor, whether it missed, failed or timed out.
        if (kind == EventKind.Monitor)
            return ["monitor", e.Monitor?.Uuid ?? ""];

        if (e.Exception is { } ex)
        {
            var parts = new List<string> { "error", ex.Type ?? "" };
            var frames = ex.Frames ?? [];
            // In-app frames say where the app broke; library frames only matter when there are no in-app ones.
            var chosen = frames.Any(f => f.InApp == true) ? frames.Where(f => f.InApp == true) : frames;
            foreach (var f in chosen)
                parts.Add($"{f.Module ?? f.Filename}:{f.Function}"); // no line number: a shifted line stays one incident
            if (frames.Count == 0)
                parts.Add(ex.Value ?? "");
            return parts;
        }
        // A template groups every formatting of one message; without one, the text is all there is.
        return ["message", e.MessageTemplate ?? e.Message ?? ""];
    }

    /// <summary>The path and query a broken link points at; scheme and host are the project's own.</summary>
    public static string TargetOf(string? url)
    {
        if (string.IsNullOrEmpty(url)) return "";
        if (Uri.TryCreate(url, UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https")
            return abs.PathAndQuery;
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        return hash >= 0 ? url[..hash] : url;
    }

    private static string Hash(IEnumerable<string> parts)
    {
        // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
        var sb = new StringBuilder();
        foreach (var p in parts) sb.Append(p.Length).Append(':').Append(p).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())).AsSpan(0, 16));
    }
}
