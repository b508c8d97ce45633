using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Policy;

/// <summary>Who hears about an incident: errors go to ADMINS, broken links to MANAGERS, most specific setting first.</summary>
public static class RecipientRouting
{
    /// <summary>Environment of the project, then the project, then the global list; an empty list at any level means nobody.</summary>
    public static IReadOnlyList<Recipient> For(EventKind kind, long projectId, string? environment, AlertsOptions o)
    {
        var project = o.Projects.FirstOrDefault(p => p.Id == projectId);
        var env = project is not null && environment is not null && project.Environments.TryGetValue(environment, out var e) ? e : null;
        return kind == EventKind.BrokenLink
            ? env?.Managers ?? project?.Managers ?? o.Managers
            : env?.Admins ?? project?.Admins ?? o.Admins;
    }

    public static string GroupName(EventKind kind) => kind == EventKind.BrokenLink ? "MANAGERS" : "ADMINS";
}
