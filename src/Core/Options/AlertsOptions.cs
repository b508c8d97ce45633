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
