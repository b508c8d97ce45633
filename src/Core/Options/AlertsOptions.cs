using System.ComponentModel;
using System.Globalization;
using System.Net.Mail;
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

    /// <summary>
    /// Django's APPEND_SLASH, as the reporting apps set it: when on, a 404 for <c>/page/</c> referred by <c>/page</c>
    /// is the app's own slash redirect, not a broken link.
    /// </summary>
    public bool AppendSlash { get; set; } = true;

    /// <summary>Vulnerability scanners and their probes: recognised, counted, and not mailed unless asked for.</summary>
    public ScannerNoiseOptions ScannerNoise { get; set; } = new();

    /// <summary>
    /// Minutes between broken-link digests to MANAGERS; 0 mails each broken link on its own. When on, broken-link
    /// mails are held back "in digest" and one mail per interval per project lists them by referring page.
    /// </summary>
    public int BrokenLinkDigestMinutes { get; set; }

    public List<ProjectOptions> Projects { get; set; } = [];

    /// <summary>Sites the link crawler checks for dead links (see <see cref="SiteOptions"/>).</summary>
    public List<SiteOptions> Sites { get; set; } = [];

    /// <summary>Base URL of the Dashboard, used for links in mails; empty leaves links out.</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>What will not be mailed to anyone for want of recipients, said at start-up (Django is silent about it).</summary>
    public IEnumerable<string> UnmailedWarnings()
    {
        if (Admins.Count == 0)
            yield return "Alerts:Admins is empty: errors are recorded but mailed to no one (except in projects with Admins of their own).";
        if (Managers.Count == 0 && SendBrokenLinkEmails)
            yield return "Alerts:Managers is empty while Alerts:SendBrokenLinkEmails is on: broken links are recorded but mailed to no one (except in projects with Managers of their own).";
    }

    internal static IEnumerable<string> Validate(AlertsOptions o)
    {
        foreach (var e in ValidateRecipients(o.Admins, "Alerts:Admins")) yield return e;
        foreach (var e in ValidateRecipients(o.Managers, "Alerts:Managers")) yield return e;
        if (!EmailAddress.IsValid(o.ServerEmail))
            yield return $"Alerts:ServerEmail '{o.ServerEmail}' is not an e-mail address.";
        if (o.EmailSubjectPrefix.Contains('\r') || o.EmailSubjectPrefix.Contains('\n'))
            yield return "Alerts:EmailSubjectPrefix must not contain line breaks.";
        foreach (var e in ValidatePatterns(o.Ignorable404Urls, "Alerts:Ignorable404Urls")) yield return e;
        foreach (var e in ValidatePatterns(o.ScannerNoise.UserAgents ?? [], "Alerts:ScannerNoise:UserAgents")) yield return e;
        foreach (var e in ValidatePatterns(o.ScannerNoise.ProbeUrls ?? [], "Alerts:ScannerNoise:ProbeUrls")) yield return e;
        if (o.BrokenLinkDigestMinutes is < 0 or > 1440)
            yield return "Alerts:BrokenLinkDigestMinutes must be between 0 (off: a mail per broken link) and 1440 (a day).";
        if (!string.IsNullOrEmpty(o.DashboardUrl) && !Uri.TryCreate(o.DashboardUrl, UriKind.Absolute, out _))
            yield return $"Alerts:DashboardUrl '{o.DashboardUrl}' is not an absolute URL.";

        foreach (var e in SiteOptions.Validate(o.Sites)) yield return e;

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
            foreach (var e in ValidatePatterns(p.Ignorable404Urls, $"{at}:Ignorable404Urls")) yield return e;
            foreach (var (env, routing) in p.Environments)
            {
                foreach (var e in ValidateRecipients(routing.Admins ?? [], $"{at}:Environments:{env}:Admins")) yield return e;
                foreach (var e in ValidateRecipients(routing.Managers ?? [], $"{at}:Environments:{env}:Managers")) yield return e;
            }
        }
    }

    private static IEnumerable<string> ValidatePatterns(List<string> patterns, string key)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            string? error = null;
            try { _ = new Regex(patterns[i]); }
            catch (ArgumentException ex) { error = ex.Message; }
            if (error is not null) yield return $"{key}:{i} is not a valid regular expression: {error}";
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

/// <summary>A person to mail: <c>{Name, Email}</c>, or as Django writes ADMINS, one string <c>Ada &lt;ada@example.com&gt;</c> or a bare address.</summary>
[TypeConverter(typeof(RecipientConverter))]
public sealed class Recipient
{
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";

    public override string ToString() => Name.Length == 0 ? Email : $"{Name} <{Email}>";

    /// <summary>Reads <c>Name &lt;email&gt;</c> or a bare address; false when the text is not an address.</summary>
    public static bool TryParse(string text, out Recipient recipient)
    {
        var trimmed = text.Trim();
        if (MailAddress.TryCreate(trimmed, out var address) && EmailAddress.IsValid(address.Address))
        {
            recipient = new Recipient { Name = address.DisplayName, Email = address.Address };
            return true;
        }
        recipient = new Recipient { Email = trimmed };
        return false;
    }
}

/// <summary>Binds <c>Admins:0=ada@example.com</c>; text that is not an address is kept as the Email, which validation names.</summary>
internal sealed class RecipientConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? Parsed(text) : base.ConvertFrom(context, culture, value);

    private static Recipient Parsed(string text)
    {
        _ = Recipient.TryParse(text, out var recipient);
        return recipient;
    }
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

    /// <summary>IGNORABLE_404_URLS of this project only, consulted besides the global list.</summary>
    public List<string> Ignorable404Urls { get; set; } = [];
}

/// <summary>
/// The <c>Alerts:ScannerNoise</c> settings. A list that is set replaces its default; an empty entry
/// (<c>UserAgents:0=</c>) stands for an empty list.
/// </summary>
public sealed class ScannerNoiseOptions
{
    /// <summary>Common vulnerability scanners and brute-forcers, by the user agent they announce themselves with.</summary>
    public static readonly IReadOnlyList<string> DefaultUserAgents =
    [
        "(?i)sqlmap", "(?i)nikto", "(?i)nmap", "(?i)masscan", "(?i)zgrab", "(?i)nuclei", "(?i)wpscan", "(?i)acunetix",
        "(?i)dirbuster", "(?i)gobuster", "(?i)feroxbuster", "(?i)ffuf", "(?i)wfuzz", "(?i)netsparker", "(?i)openvas",
        "(?i)nessus", "(?i)qualys", "(?i)jorgee", "(?i)zmeu", "(?i)censysinspect", "(?i)l9explore",
    ];

    /// <summary>Paths scanners probe for on every site: WordPress, PHP tools, dot-files, CGI, traversal.</summary>
    public static readonly IReadOnlyList<string> DefaultProbeUrls =
    [
        @"(?i)wp-login\.php", @"(?i)xmlrpc\.php", @"(?i)/wp-(admin|content|includes)/", @"(?i)wlwmanifest\.xml",
        @"(?i)/\.env(\W|$)", @"(?i)/\.(git|svn|hg|aws|ssh|vscode|idea)(/|$)", @"(?i)/\.DS_Store$", @"(?i)phpmyadmin",
        @"(?i)/(pma|myadmin|adminer)(\.php)?(/|$)", @"(?i)/cgi-bin/", @"(?i)/vendor/phpunit/", @"(?i)/(shell|eval-stdin|phpinfo)\.php",
        @"(?i)/boaform/", @"(?i)/HNAP1", @"(?i)/actuator/", @"(?i)/server-status", @"(?i)/etc/passwd", @"(?i)(\.\./|%2e%2e)",
    ];

    /// <summary>Scanner user agents (regular expressions searched in the User-Agent); null keeps the defaults.</summary>
    public List<string>? UserAgents { get; set; }

    /// <summary>Probe paths (regular expressions searched in the path and query); null keeps the defaults.</summary>
    public List<string>? ProbeUrls { get; set; }

    /// <summary>Mail noise like any broken link (it is still marked as noise); off by default.</summary>
    public bool Mail { get; set; }

    public IReadOnlyList<string> EffectiveUserAgents => Effective(UserAgents, DefaultUserAgents);
    public IReadOnlyList<string> EffectiveProbeUrls => Effective(ProbeUrls, DefaultProbeUrls);

    private static IReadOnlyList<string> Effective(List<string>? configured, IReadOnlyList<string> defaults) =>
        configured is null ? defaults : [.. configured.Where(p => !string.IsNullOrEmpty(p))];
}

public sealed class EnvironmentRouting
{
    public List<Recipient>? Admins { get; set; }
    public List<Recipient>? Managers { get; set; }
}
