using Alerts.Core.Data;
using Alerts.Core.Events;
using Alerts.Core.Options;

namespace Alerts.Notifier.Decide;

/// <summary>Who hears about an incident: errors go to ADMINS, broken links to MANAGERS, most specific setting first.</summary>
public static class RecipientRouting
{
    /// <summary>
    /// Environment of the project (configuration), then the project's recipients set in the Dashboard
    /// (<paramref name="stored"/>), then the project in configuration, then the global list; an empty list at any level means nobody.
    /// </summary>
    public static IReadOnlyList<Recipient> For(EventKind kind, long projectId, string? environment, AlertsOptions o, StoredRecipients? stored = null)
    {
        var project = o.Projects.FirstOrDefault(p => p.Id == projectId);
        var env = project is not null && environment is not null && project.Environments.TryGetValue(environment, out var e) ? e : null;
        return kind == EventKind.BrokenLink
            ? env?.Managers ?? stored?.Managers ?? project?.Managers ?? o.Managers
            : env?.Admins ?? stored?.Admins ?? project?.Admins ?? o.Admins;
    }
}
