namespace Alerts.Server.Hosting;

[Flags]
public enum Roles
{
    None = 0,
    Collector = 1,
    Notifier = 2,
    Dashboard = 4,
    All = Collector | Notifier | Dashboard,
}

public static class RoleNames
{
    /// <summary>Parses "collector,notifier"; null with an error message naming the bad role.</summary>
    public static Roles? Parse(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return Roles.All;
        var roles = Roles.None;
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<Roles>(part, ignoreCase: true, out var role) || role is Roles.None or Roles.All || part.Any(char.IsDigit))
            {
                error = $"Unknown role '{part}'. Roles are collector, notifier and dashboard (comma-separated).";
                return null;
            }
            roles |= role;
        }
        if (roles == Roles.None) error = "--roles names no role. Roles are collector, notifier and dashboard.";
        return roles == Roles.None ? null : roles;
    }
}
