using Alerts.Core.Events;

namespace Alerts.Core.Domain;

public static class IncidentTitle
{
    public const int MaxLength = 200;

    /// <summary>One line that names the problem: "ZeroDivisionError: division by zero", "Broken link: /old-page".</summary>
    public static string For(EventKind kind, EventPayload e)
    {
        var title = kind == EventKind.BrokenLink
            ? $"Broken link: {Fingerprinter.TargetOf(e.Request?.Url)}"
            : kind == EventKind.Monitor
            ? $"Monitor {e.Monitor?.Slug} is down"
            : e.Exception is { } ex
                ? string.IsNullOrEmpty(ex.Value) ? ex.Type ?? "Error" : $"{ex.Type}: {ex.Value}"
                : e.Message ?? "Error";
        return OneLine(title, MaxLength);
    }

    /// <summary>Collapses line breaks and control characters to spaces and cuts to a length.</summary>
    public static string OneLine(string text, int maxLength)
    {
        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        var line = new string(chars).Trim();
        if (line.Length <= maxLength) return line;
        var cut = maxLength - 1;
        if (cut > 0 && char.IsHighSurrogate(line[cut - 1])) cut--; // never keep half of a surrogate pair
        return line[..cut] + "…";
    }
}
