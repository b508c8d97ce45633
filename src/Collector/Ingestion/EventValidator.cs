using Alerts.Core.Events;

namespace Alerts.Collector.Ingestion;

/// <summary>Checks a native event against the contract; errors are keyed by the JSON path they concern.</summary>
public static class EventValidator
{
    private const int MaxText = 8 * 1024;
    private const int MaxFrames = 250;

    public static Dictionary<string, string[]> Validate(EventPayload e)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string key, string message) => errors[key] = [message];

        var kind = EventKinds.Parse(e.Kind);
        if (kind is null)
        {
            Add("kind", $"Must be \"{EventKinds.Error}\" or \"{EventKinds.BrokenLink}\".");
            return errors;
        }

        if (kind == EventKind.BrokenLink)
        {
            if (!IsHttpUrl(e.Request?.Url))
                Add("request.url", "A broken link needs the absolute http(s) URL that was not found.");
            if (string.IsNullOrWhiteSpace(e.Request?.Referrer))
                Add("request.referrer", "A broken link needs the referring page (the request's Referer header).");
        }
        else if (e.Exception is null && string.IsNullOrWhiteSpace(e.Message))
        {
            Add("exception", "An error needs an exception or a message.");
        }

        if (e.Exception is { } ex)
        {
            if (string.IsNullOrWhiteSpace(ex.Type)) Add("exception.type", "The exception type is required.");
            if (ex.Frames is { Count: > MaxFrames }) Add("exception.frames", $"At most {MaxFrames} frames.");
        }
        if (e.Request?.Url is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _) && !url.StartsWith('/'))
            errors.TryAdd("request.url", ["Must be an absolute URL or a path."]);
        if (e.Message is { Length: > MaxText }) Add("message", $"At most {MaxText} characters.");
        if (e.Fingerprint is { Count: > 32 }) Add("fingerprint", "At most 32 parts.");
        if (e.Tags is { Count: > 100 }) Add("tags", "At most 100 tags.");
        if (e.Level is { } level && !Levels.Contains(level)) Add("level", "Must be one of debug, info, warning, error, fatal.");
        return errors;
    }

    private static readonly HashSet<string> Levels = ["debug", "info", "warning", "error", "fatal", "critical"];

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";
}
