using System.Text.RegularExpressions;

namespace Alerts.Core.Options;

/// <summary>The <c>Alerts</c> section: Django's mail settings, shared by every app that reports here.</summary>
public sealed class AlertsOptions
{
    public const string SectionName = "Alerts";

    public List<Recipient> Admins { get; set; } = [];
    public List<Recipient> Managers { get; set; } = [];
    public string ServerEmail { get; set; } = "alerts@localhost";
    public string EmailSubjectPrefix { get; set; } = "[Alerts] ";
    public bool SendBrokenLinkEmails { get; set; } = true;
    public List<string> Ignorable404Urls { get; set; } = [];
    public List<ProjectOptions> Projects { get; set; } = [];

    /// <summary>Base URL of the Dashboard, used for links in mails; empty leaves links out.</summary>
    public string? DashboardUrl { get; set; }
}

public sealed class Recipient
{
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";

    public override string ToString() => Name.Length == 0 ? Email : $"{Name} <{Email}>";
}

public sealed class ProjectOptions
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";

    /// <summary>Replace the global ADMINS/MANAGERS for this project; null inherits them.</summary>
    public List<Recipient>? Admins { get; set; }
    public List<Recipient>? Managers { get; set; }

    /// <summary>Per-environment recipients ("staging" → its own people), overriding the project's.</summary>
    public Dictionary<string, EnvironmentRouting> Environments { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class EnvironmentRouting
{
    public List<Recipient>? Admins { get; set; }
    public List<Recipient>? Managers { get; set; }
}

/// <summary>The <c>Alerts:Policy</c> section: when a repeat is worth another mail.</summary>
public sealed class AlertPolicyOptions
{
    public const string SectionName = "Alerts:Policy";

    /// <summary>Occurrence counts that earn a mail of their own (after the cooldown).</summary>
    public List<long> Milestones { get; set; } = [10, 100, 1000, 10000];

    /// <summary>At most one follow-up mail per incident in this many minutes.</summary>
    public int CooldownMinutes { get; set; } = 30;

    /// <summary>At most this many mails per project per window; above it one storm summary lists what was held back.</summary>
    public int ProjectCap { get; set; } = 10;
    public int ProjectCapWindowMinutes { get; set; } = 30;

    internal static IEnumerable<string> Validate(AlertPolicyOptions o)
    {
        for (var i = 0; i < o.Milestones.Count; i++)
            if (o.Milestones[i] < 2) yield return $"Alerts:Policy:Milestones:{i} must be 2 or more.";
        if (o.CooldownMinutes is < 0 or > 10080) yield return "Alerts:Policy:CooldownMinutes must be between 0 and 10080 (a week).";
        if (o.ProjectCap is < 1 or > 10000) yield return "Alerts:Policy:ProjectCap must be between 1 and 10000.";
        if (o.ProjectCapWindowMinutes is < 1 or > 1440) yield return "Alerts:Policy:ProjectCapWindowMinutes must be between 1 and 1440.";
    }
}

internal static class AlertsOptionsRules
{
    public static IEnumerable<string> Validate(AlertsOptions o)
    {
        foreach (var e in ValidateRecipients(o.Admins, "Alerts:Admins")) yield return e;
        foreach (var e in ValidateRecipients(o.Managers, "Alerts:Managers")) yield return e;
        if (!EmailAddress.IsValid(o.ServerEmail))
            yield return $"Alerts:ServerEmail '{o.ServerEmail}' is not an e-mail address.";
        if (o.EmailSubjectPrefix.Contains('\r') || o.EmailSubjectPrefix.Contains('\n'))
            yield return "Alerts:EmailSubjectPrefix must not contain line breaks.";
        for (var i = 0; i < o.Ignorable404Urls.Count; i++)
        {
            string? error = null;
            try { _ = new Regex(o.Ignorable404Urls[i]); }
            catch (ArgumentException ex) { error = ex.Message; }
            if (error is not null) yield return $"Alerts:Ignorable404Urls:{i} is not a valid regular expression: {error}";
        }
        if (!string.IsNullOrEmpty(o.DashboardUrl) && !Uri.TryCreate(o.DashboardUrl, UriKind.Absolute, out _))
            yield return $"Alerts:DashboardUrl '{o.DashboardUrl}' is not an absolute URL.";

        var ids = new HashSet<long>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Projects.Count; i++)
        {
            var p = o.Projects[i];
            var at = $"Alerts:Projects:{i}";
            if (p.Id <= 0) yield return $"{at}:Id must be a positive number (Sentry DSNs need a numeric project id).";
            else if (!ids.Add(p.Id)) yield return $"{at}:Id {p.Id} is used by another project.";
            if (string.IsNullOrWhiteSpace(p.Name)) yield return $"{at}:Name is required.";
            if (!ProjectKeyFormat.IsValid(p.Key)) yield return $"{at}:Key must be 16 to 64 letters, digits, '-' or '_'.";
            else if (!keys.Add(p.Key)) yield return $"{at}:Key is used by another project.";
            foreach (var e in ValidateRecipients(p.Admins ?? [], $"{at}:Admins")) yield return e;
            foreach (var e in ValidateRecipients(p.Managers ?? [], $"{at}:Managers")) yield return e;
            foreach (var (env, routing) in p.Environments)
            {
                foreach (var e in ValidateRecipients(routing.Admins ?? [], $"{at}:Environments:{env}:Admins")) yield return e;
                foreach (var e in ValidateRecipients(routing.Managers ?? [], $"{at}:Environments:{env}:Managers")) yield return e;
            }
        }
    }

    private static IEnumerable<string> ValidateRecipients(List<Recipient> list, string key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (!EmailAddress.IsValid(list[i].Email))
                yield return $"{key}:{i}:Email '{list[i].Email}' is not an e-mail address.";
            if (list[i].Name.Contains('\r') || list[i].Name.Contains('\n'))
                yield return $"{key}:{i}:Name must not contain line breaks.";
        }
    }
}
