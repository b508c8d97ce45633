using System.Text.RegularExpressions;

namespace Alerts.Core.Domain;

/// <summary>How a broken-link occurrence is treated: mailed, ignorable by a rule, or a scanner's noise.</summary>
public enum BrokenLinkClass { Reported, Ignorable, Noise }

/// <summary>The answer of <see cref="BrokenLinkRules.Classify"/>, with the rule that decided it so a manager can check it.</summary>
public sealed record BrokenLinkVerdict(BrokenLinkClass Class, string? Rule)
{
    public static readonly BrokenLinkVerdict Reported = new(BrokenLinkClass.Reported, null);

    /// <summary>"ignorable (IGNORABLE_404_URLS ^/favicon)", "scanner noise (user agent sqlmap)".</summary>
    public string Description => Class switch
    {
        BrokenLinkClass.Ignorable => $"ignorable ({Rule})",
        BrokenLinkClass.Noise => $"scanner noise ({Rule})",
        _ => "reported",
    };
}

/// <summary>A regular expression and the name a manager knows it by ("IGNORABLE_404_URLS ^/favicon", "ignore rule #3 ...").</summary>
public sealed record NamedPattern(string Name, Regex Regex)
{
    /// <summary>A search, like Python's <c>pattern.search</c>; a pattern that runs away counts as no match.</summary>
    public bool IsMatch(string input)
    {
        try { return Regex.IsMatch(input); }
        catch (RegexMatchTimeoutException) { return false; }
    }
}

/// <summary>The rules that apply to one project's broken links: Django's IGNORABLE_404_URLS (global, project, stored) and the scanner lists.</summary>
public sealed record BrokenLinkRuleSet(
    IReadOnlyList<NamedPattern> IgnorableUrls,
    IReadOnlyList<NamedPattern> ScannerUserAgents,
    IReadOnlyList<NamedPattern> ProbeUrls,
    bool AppendSlash = true);

/// <summary>
/// Whether a broken link is worth a mail, by the rules of Django's BrokenLinkEmailsMiddleware
/// (<c>is_ignorable_request</c>, <c>is_internal_request</c>) and then by scanner noise. Pure: the caller brings the rules.
/// </summary>
public static class BrokenLinkRules
{
    public const string NoReferrer = "no referrer";
    public const string AppendSlashRedirect = "APPEND_SLASH: the referrer is this URL without its trailing slash";
    public const string SearchEngine = "external referrer with '?' (search engine)";
    public const string ReferrerIsUrl = "referrer is the requested URL (bot)";

    /// <summary>User patterns run on every occurrence: one that backtracks forever must not stall grouping.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Compiles a pattern for <see cref="NamedPattern"/>: case-sensitive unless it says <c>(?i)</c>, as in Python.</summary>
    public static NamedPattern Pattern(string name, string regex) =>
        new(name, new Regex(regex, RegexOptions.CultureInvariant, MatchTimeout));

    /// <summary>
    /// Django's checks in Django's order (empty referrer, APPEND_SLASH, search engine, referrer equal to the URL,
    /// ignorable URLs), then scanner user agents and probe paths. Patterns are searched in the path and query, as
    /// Django searches <c>request.get_full_path()</c>.
    /// </summary>
    public static BrokenLinkVerdict Classify(string? url, string? referrer, string? userAgent, BrokenLinkRuleSet rules)
    {
        var uri = Fingerprinter.TargetOf(url);
        var domain = DomainOf(url);
        if (string.IsNullOrWhiteSpace(referrer)) return Ignorable(NoReferrer);

        var from = ReferrerParts.Of(referrer);
        // Django compares the referrer with the path; browsers send a full URL, so the same page on this host counts too.
        if (rules.AppendSlash && uri.EndsWith('/'))
        {
            var withoutSlash = uri[..^1];
            if (referrer == withoutSlash || (from is { } r && SameHost(r.Host, domain) && r.PathAndQuery == withoutSlash))
                return Ignorable(AppendSlashRedirect);
        }
        if (!IsInternal(referrer, domain) && referrer.Contains('?', StringComparison.Ordinal)) return Ignorable(SearchEngine);
        // Bots set the referrer to the URL they request, often with http:// on an https site: the scheme is ignored.
        if (from is { } self && (self.Host.Length == 0 || SameHost(self.Host, domain)) && (self.Path == uri || self.PathAndQuery == uri))
            return Ignorable(ReferrerIsUrl);
        foreach (var p in rules.IgnorableUrls)
            if (p.IsMatch(uri)) return Ignorable(p.Name);

        if (!string.IsNullOrEmpty(userAgent))
            foreach (var p in rules.ScannerUserAgents)
                if (p.IsMatch(userAgent)) return new BrokenLinkVerdict(BrokenLinkClass.Noise, p.Name);
        foreach (var p in rules.ProbeUrls)
            if (p.IsMatch(uri)) return new BrokenLinkVerdict(BrokenLinkClass.Noise, p.Name);
        return BrokenLinkVerdict.Reported;
    }

    /// <summary>Django's <c>is_internal_request</c>: the referrer is on the requested host (another subdomain is another site).</summary>
    public static bool IsInternal(string? referrer, string domain) =>
        !string.IsNullOrEmpty(referrer) && domain.Length > 0
        && Regex.IsMatch(referrer, $"^https?://{Regex.Escape(domain)}/", RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));

    /// <summary>The host (and port, when not the default) of an absolute http(s) URL, as Django's <c>request.get_host()</c>.</summary>
    public static string DomainOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" ? u.Authority : "";

    /// <summary>
    /// The ignore rule "URLs like this" makes of a broken link: its path, escaped and anchored, with any query.
    /// </summary>
    public static string IgnorePatternFor(string? url)
    {
        var target = Fingerprinter.TargetOf(url);
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? target[..query] : target;
        return $@"^{Regex.Escape(path)}(\?|$)";
    }

    /// <summary>A pattern as people write it, without the <c>(?i)</c> that the defaults carry.</summary>
    public static string Readable(string pattern) => pattern.StartsWith("(?i)", StringComparison.Ordinal) ? pattern[4..] : pattern;

    private static BrokenLinkVerdict Ignorable(string rule) => new(BrokenLinkClass.Ignorable, rule);

    private static bool SameHost(string host, string domain) =>
        domain.Length > 0 && string.Equals(host, domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>Python's <c>urlparse(referer)</c>: netloc (empty for a bare path), path, and path with query.</summary>
    private readonly record struct ReferrerParts(string Host, string Path, string PathAndQuery)
    {
        public static ReferrerParts? Of(string referrer)
        {
            if (Uri.TryCreate(referrer, UriKind.Absolute, out var u) && u.Scheme is "http" or "https")
                return new ReferrerParts(u.Authority, u.AbsolutePath, u.PathAndQuery);
            if (!referrer.StartsWith('/') || referrer.StartsWith("//", StringComparison.Ordinal)) return null;
            var hash = referrer.IndexOf('#', StringComparison.Ordinal);
            var pathAndQuery = hash >= 0 ? referrer[..hash] : referrer;
            var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
            return new ReferrerParts("", query >= 0 ? pathAndQuery[..query] : pathAndQuery, pathAndQuery);
        }
    }
}
