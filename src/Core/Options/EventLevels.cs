namespace Alerts.Core.Options;

/// <summary>Sentry's event levels, lowest first (Python logging's DEBUG..CRITICAL; <c>fatal</c> is CRITICAL).</summary>
public static class EventLevels
{
    public const string Error = "error";

    public static readonly IReadOnlyList<string> All = ["debug", "info", "warning", Error, "fatal"];

    public static bool IsKnown(string? level) => Rank(level) >= 0;

    /// <summary>0 for debug up to 4 for fatal; -1 for a word that is no level.</summary>
    public static int Rank(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "debug" => 0,
        "info" => 1,
        "warning" => 2,
        "error" => 3,
        "fatal" or "critical" => 4,
        _ => -1,
    };

    /// <summary>Whether an event of <paramref name="level"/> (none: an error, as Sentry reads it) reaches <paramref name="mailLevel"/>.</summary>
    public static bool Reaches(string? level, string mailLevel) => Rank(level ?? Error) is var rank and >= 0
        ? rank >= Rank(mailLevel)
        : Rank(Error) >= Rank(mailLevel);
}
