using System.Text.Json;
using Alerts.Core.Monitors;

namespace Alerts.Collector.Monitors;

/// <summary>
/// A Sentry <c>check_in</c> item (https://develop.sentry.dev/sdk/telemetry/check-ins/): the run it reports and, when the
/// SDK upserts the monitor, its <c>monitor_config</c>.
/// </summary>
public sealed record SentryCheckIn(string Slug, CheckInReport Report, MonitorDefinition? Config)
{
    /// <summary>Reads an item; null with the reason when it is not a check-in Alerts can take.</summary>
    public static SentryCheckIn? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Refuse<SentryCheckIn>("A check-in is a JSON object.", out error);
            if (MonitorCatalog.NormalizeSlug(Text(root, "monitor_slug")) is not { } slug)
                return Refuse<SentryCheckIn>("monitor_slug must be 1-64 letters, digits, '-' or '_'.", out error);
            if (ParseStatus(Text(root, "status")) is not { } status)
                return Refuse<SentryCheckIn>("status must be in_progress, ok or error.", out error);
            var id = Text(root, "check_in_id") is { } raw ? NormalizeId(raw) : null;
            if (Text(root, "check_in_id") is not null && id is null) return Refuse<SentryCheckIn>("check_in_id must be a UUID.", out error);
            double? duration = root.TryGetProperty("duration", out var d) && d.ValueKind == JsonValueKind.Number && d.GetDouble() is >= 0 and < 1e9 ? d.GetDouble() : null;
            MonitorDefinition? config = null;
            if (root.TryGetProperty("monitor_config", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                if (ReadConfig(c, out error) is not { } parsed) return null;
                config = parsed;
            }
            return new SentryCheckIn(slug, new CheckInReport(status, id, duration, Text(root, "environment")), config);
        }
        catch (JsonException ex)
        {
            return Refuse<SentryCheckIn>($"The check-in is not valid JSON: {ex.Message.Split('\n')[0]}", out error);
        }
    }

    public static CheckInStatus? ParseStatus(string? status) => status switch
    {
        "in_progress" => CheckInStatus.InProgress,
        "ok" => CheckInStatus.Ok,
        "error" => CheckInStatus.Error,
        _ => null,
    };

    /// <summary>32 hex digits, lower case: the SDKs send a UUID with or without dashes.</summary>
    public static string? NormalizeId(string raw) => Guid.TryParse(raw, out var g) ? g.ToString("N") : null;

    private static MonitorDefinition? ReadConfig(JsonElement c, out string? error)
    {
        error = null;
        if (!c.TryGetProperty("schedule", out var s) || s.ValueKind != JsonValueKind.Object)
            return Refuse<MonitorDefinition>("monitor_config needs a schedule.", out error);
        var type = Text(s, "type");
        MonitorDefinition definition;
        if (type == "crontab" && Text(s, "value") is { } crontab)
            definition = new MonitorDefinition(ScheduleType.Crontab, crontab, 0);
        else if (type == "interval" && s.TryGetProperty("value", out var v) && v.TryGetInt64(out var value)
                 && MonitorSchedule.IntervalSeconds(value, Text(s, "unit")) is { } seconds)
            definition = new MonitorDefinition(ScheduleType.Interval, null, seconds);
        else
            return Refuse<MonitorDefinition>("monitor_config.schedule must be {type: crontab, value} or {type: interval, value, unit}.", out error);
        definition = definition with
        {
            TimeZone = Text(c, "timezone"),
            MarginMinutes = Minutes(c, "checkin_margin") ?? 1,
            MaxRuntimeMinutes = Minutes(c, "max_runtime"),
            FailureIssueThreshold = Minutes(c, "failure_issue_threshold") ?? 1,
            RecoveryThreshold = Minutes(c, "recovery_threshold") ?? 1,
        };
        if (definition.Errors() is { Count: > 0 } errors)
            return Refuse<MonitorDefinition>(string.Join(" ", errors.Select(e => $"monitor_config.{e.Key}: {string.Join(" ", e.Value)}")), out error);
        return definition;
    }

    private static int? Minutes(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && d is >= 0 and <= int.MaxValue
            ? (int)Math.Ceiling(d) : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()
        : e.TryGetProperty(name, out v) && v.ValueKind == JsonValueKind.Number ? v.GetRawText() : null;

    private static T? Refuse<T>(string why, out string? error) where T : class
    {
        error = why;
        return null;
    }
}
