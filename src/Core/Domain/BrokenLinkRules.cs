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
        // Django: `not referer`. A blank header also counts as none here: no browser sends one, and it names no page.
        if (string.IsNullOrWhiteSpace(referrer)) return Ignorable(NoReferrer);

        var from = ReferrerParts.Of(referrer);
        // Django compares the referrer with the path; browsers send a full URL, so the same page on this host counts too.
        if (rules.AppendSlash && uri.EndsWith('/'))
        {
            var withoutSlash = uri[..^1];
            if (referrer == withoutSlash || (from.Scheme is "http" or "https" && from.Host == domain && from.PathAndQuery == withoutSlash))
                return Ignorable(AppendSlashRedirect);
        }
        if (!IsInternal(referrer, domain) && referrer.Contains('?', StringComparison.Ordinal)) return Ignorable(SearchEngine);
        // Bots set the referrer to the URL they request, often with http:// on an https site: the scheme is ignored.
        // Django compares only the path; the same path and query is the same page too.
        if ((from.Host.Length == 0 || from.Host == domain) && (from.Path == uri || (from.Query && from.PathAndQuery == uri)))
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

    /// <summary>
    /// Django's <c>is_internal_request</c>: the referrer starts with http(s)://host/, compared as text like Python's
    /// <c>re.match</c> (case-sensitive; another subdomain or port is another site).
    /// </summary>
    public static bool IsInternal(string? referrer, string domain) =>
        !string.IsNullOrEmpty(referrer) && domain.Length > 0
        && Regex.IsMatch(referrer, $"^https?://{Regex.Escape(domain)}/", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// The host (and port) of an absolute http(s) URL as written, as Django's <c>request.get_host()</c> gives it for
    /// the request the URL was built from: case kept, a default port kept when the client sent it.
    /// </summary>
    public static string DomainOf(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")) return "";
        var start = url.IndexOf("://", StringComparison.Ordinal);
        if (start < 0) return u.Authority;
        start += 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? url[start..] : url[start..end];
        return authority[(authority.LastIndexOf('@') + 1)..];
    }

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

    /// <summary>Python's <c>urlparse(referer)</c> (3.11): scheme, netloc, path, and path with query.</summary>
    private readonly record struct ReferrerParts(string Scheme, string Host, string Path, bool Query, string PathAndQuery)
    {
        public static ReferrerParts Of(string referrer)
        {
            var url = referrer.TrimStart(LeadingControlOrSpace).Replace("\t", "", StringComparison.Ordinal)
                .Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
            var scheme = "";
            var colon = url.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && char.IsAsciiLetter(url[0]) && url[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                scheme = url[..colon].ToLowerInvariant();
                url = url[(colon + 1)..];
            }
            var host = "";
            if (url.StartsWith("//", StringComparison.Ordinal))
            {
                var end = url.IndexOfAny(['/', '?', '#'], 2);
                host = end < 0 ? url[2..] : url[2..end];
                url = end < 0 ? "" : url[end..];
            }
            var hash = url.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) url = url[..hash];
            var question = url.IndexOf('?', StringComparison.Ordinal);
            var path = question >= 0 ? url[..question] : url;
            // urlparse cuts ";params" off the last segment of the path.
            var semicolon = path.IndexOf(';', Math.Max(0, path.LastIndexOf('/')));
            if (semicolon >= 0) path = path[..semicolon];
            return new ReferrerParts(scheme, host, path, question >= 0, url);
        }

        private static readonly char[] LeadingControlOrSpace = [.. Enumerable.Range(0, 33).Select(c => (char)c)];
    }
}
