using Alerts.Core.Domain;
using Alerts.Core.Options;

namespace Alerts.Core.Tests;

public class BrokenLinkRulesTests
{
    // Django's BrokenLinkEmailsMiddlewareTest requests this path on "testserver" with IGNORABLE_404_URLS = [r"foo"].
    private const string Path = "/regular_url/that/does/not/exist";
    private const string Url = "http://testserver" + Path;
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    private static readonly BrokenLinkRuleSet Django = new([BrokenLinkRules.Pattern("IGNORABLE_404_URLS foo", "foo")], [], []);
    private static readonly BrokenLinkRuleSet DjangoWithoutAppendSlash = Django with { AppendSlash = false };

    // Django's test_custom_request_checker: a subclass that also ignores user agents matching Spider.* or Robot.*.
    private static readonly BrokenLinkRuleSet SpiderChecker = Django with
    {
        ScannerUserAgents = [BrokenLinkRules.Pattern("user agent Spider.*", "Spider.*"), BrokenLinkRules.Pattern("user agent Robot.*", "Robot.*")],
    };

    private static readonly BrokenLinkRuleSet Defaults = new(
        [],
        [.. ScannerNoiseOptions.DefaultUserAgents.Select(p => BrokenLinkRules.Pattern($"user agent {BrokenLinkRules.Readable(p)}", p))],
        [.. ScannerNoiseOptions.DefaultProbeUrls.Select(p => BrokenLinkRules.Pattern($"probe path {BrokenLinkRules.Readable(p)}", p))]);

    /// <summary>Situation → (URL, referrer, user agent, rules) and the verdict with the rule a manager would see.</summary>
    private static readonly Dictionary<string, (string Url, string? Referrer, string? UserAgent, BrokenLinkRuleSet Rules, BrokenLinkClass Class, string? Rule)> Cases = new()
    {
        // Django's own cases (tests/middleware/tests.py, BrokenLinkEmailsMiddlewareTest).
        ["404 with a referrer is reported (test_404_error_reporting)"] = (Url, "/another/url/", Browser, Django, BrokenLinkClass.Reported, null),
        ["no referrer (test_404_error_reporting_no_referer)"] = (Url, null, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.NoReferrer),
        ["blank referrer"] = (Url, "  ", Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.NoReferrer),
        ["IGNORABLE_404_URLS match (test_404_error_reporting_ignored_url)"] = (
            "http://testserver/foo_url/that/does/not/exist", "/another/url/", Browser, Django, BrokenLinkClass.Ignorable, "IGNORABLE_404_URLS foo"),
        ["custom checker, spider (test_custom_request_checker)"] = (Url, "/another/url/", "Spider machine 3.4", SpiderChecker, BrokenLinkClass.Noise, "user agent Spider.*"),
        ["custom checker, browser (test_custom_request_checker)"] = (Url, "/another/url/", "My user agent", SpiderChecker, BrokenLinkClass.Reported, null),
        ["referrer is the requested path (test_referer_equal_to_requested_url)"] = (
            Url, Path, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["referrer is the requested URL with its host"] = (Url, Url, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["referrer is the requested URL with http:// on an https site"] = (
            "https://testserver" + Path, Url, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["referrer is the same path on another domain (test_referer_equal_to_requested_url_on_another_domain)"] = (
            Url, "http://anotherserver" + Path, Browser, Django, BrokenLinkClass.Reported, null),
        ["APPEND_SLASH, referrer is the path without its slash (…_with_append_slash)"] = (
            Url + "/", Path, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.AppendSlashRedirect),
        ["APPEND_SLASH off, same referrer (…_with_no_append_slash)"] = (Url + "/", Path, Browser, DjangoWithoutAppendSlash, BrokenLinkClass.Reported, null),
        // The rest of is_ignorable_request and is_internal_request, and what browsers really send.
        ["protocol-relative referrer to this page is the URL (urlparse's netloc)"] = (
            Url, "//testserver" + Path, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["ftp:// referrer to this page is the URL (the scheme is ignored)"] = (
            Url, "ftp://testserver" + Path, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["referrer to this path on the host in other case is another host, as Django compares netloc as text"] = (
            Url, "http://TESTSERVER" + Path, Browser, Django, BrokenLinkClass.Reported, null),
        ["referrer to this path with ;params is the URL (urlparse cuts them)"] = (
            Url, "http://testserver" + Path + ";v=1", Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.ReferrerIsUrl),
        ["APPEND_SLASH, referrer is the full URL without its slash"] = (
            Url + "/", Url, Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.AppendSlashRedirect),
        ["APPEND_SLASH, the URL without its slash on another host is a real link"] = (
            Url + "/", "http://anotherserver" + Path, Browser, Django, BrokenLinkClass.Reported, null),
        ["external referrer with '?' is a search engine"] = (
            Url, "https://www.google.com/search?q=does+not+exist", Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.SearchEngine),
        ["internal referrer with '?' is reported"] = (Url, "http://testserver/search/?q=exist", Browser, Django, BrokenLinkClass.Reported, null),
        ["another subdomain is another site"] = (
            Url, "http://www.testserver/search/?q=exist", Browser, Django, BrokenLinkClass.Ignorable, BrokenLinkRules.SearchEngine),
        ["external referrer without '?' is reported"] = (Url, "https://blog.example.org/links/", Browser, Django, BrokenLinkClass.Reported, null),
        ["IGNORABLE_404_URLS is searched in the query too, like get_full_path()"] = (
            Url + "?ref=foo", "http://testserver/", Browser, Django, BrokenLinkClass.Ignorable, "IGNORABLE_404_URLS foo"),
        // Beyond Django: scanners by user agent and probe paths, with the default lists.
        ["sqlmap"] = (Url, "http://testserver/", "sqlmap/1.8.2#stable (https://sqlmap.org)", Defaults, BrokenLinkClass.Noise, "user agent sqlmap"),
        ["Nikto"] = (Url, "http://testserver/", "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000562)", Defaults, BrokenLinkClass.Noise, "user agent nikto"),
        ["Nmap scripting engine"] = (Url, "http://testserver/", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", Defaults, BrokenLinkClass.Noise, "user agent nmap"),
        ["masscan"] = (Url, "http://testserver/", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)", Defaults, BrokenLinkClass.Noise, "user agent masscan"),
        ["zgrab"] = (Url, "http://testserver/", "Mozilla/5.0 zgrab/0.x", Defaults, BrokenLinkClass.Noise, "user agent zgrab"),
        ["Nuclei"] = (Url, "http://testserver/", "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))", Defaults, BrokenLinkClass.Noise, "user agent nuclei"),
        ["WPScan"] = (Url, "http://testserver/", "WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)", Defaults, BrokenLinkClass.Noise, "user agent wpscan"),
        ["Acunetix"] = (Url, "http://testserver/", "Mozilla/5.0 (Windows NT 10.0) Acunetix-Deepscan/1.0", Defaults, BrokenLinkClass.Noise, "user agent acunetix"),
        ["DirBuster"] = (Url, "http://testserver/", "DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)", Defaults, BrokenLinkClass.Noise, "user agent dirbuster"),
        ["gobuster"] = (Url, "http://testserver/", "gobuster/3.6", Defaults, BrokenLinkClass.Noise, "user agent gobuster"),
        ["a browser is no scanner"] = (Url, "http://testserver/", Browser, Defaults, BrokenLinkClass.Reported, null),
        ["no user agent at all"] = (Url, "http://testserver/", null, Defaults, BrokenLinkClass.Reported, null),
        ["wp-login.php"] = ("http://testserver/wp-login.php", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, @"probe path wp-login\.php"),
        ["xmlrpc.php"] = ("http://testserver/blog/xmlrpc.php", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, @"probe path xmlrpc\.php"),
        [".env"] = ("http://testserver/.env", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, @"probe path /\.env(\W|$)"),
        [".git/config"] = ("http://testserver/.git/config", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, @"probe path /\.(git|svn|hg|aws|ssh|vscode|idea)(/|$)"),
        ["phpMyAdmin"] = ("http://testserver/phpMyAdmin/index.php", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, "probe path phpmyadmin"),
        ["cgi-bin"] = ("http://testserver/cgi-bin/luci", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, "probe path /cgi-bin/"),
        ["wp-admin"] = ("http://testserver/wp-admin/setup-config.php", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, "probe path /wp-(admin|content|includes)/"),
        ["phpunit eval-stdin"] = ("http://testserver/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "http://testserver/", Browser, Defaults, BrokenLinkClass.Noise, "probe path /vendor/phpunit/"),
        ["a page about the environment is no probe"] = ("http://testserver/environment/", "http://testserver/", Browser, Defaults, BrokenLinkClass.Reported, null),
        ["a blog post about git is no probe"] = ("http://testserver/blog/git-tips/", "http://testserver/blog/", Browser, Defaults, BrokenLinkClass.Reported, null),
        ["security.txt is no probe"] = ("http://testserver/.well-known/security.txt", "http://testserver/", Browser, Defaults, BrokenLinkClass.Reported, null),
        ["Django's rules come first: a scanner without a referrer"] = (Url, null, "sqlmap/1.8", Defaults, BrokenLinkClass.Ignorable, BrokenLinkRules.NoReferrer),
    };

    public static TheoryData<string> Situations => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Situations))]
    public void Classify_Situation_NamesTheRuleThatDecided(string situation)
    {
        var (url, referrer, userAgent, rules, expectedClass, expectedRule) = Cases[situation];

        var verdict = BrokenLinkRules.Classify(url, referrer, userAgent, rules);

        Assert.Equal((expectedClass, expectedRule), (verdict.Class, verdict.Rule));
    }

    [Theory]
    [InlineData("https://shop.example.com/old-page", "/old-page", true)]
    [InlineData("https://shop.example.com/old-page", "/old-page?utm_source=news", true)]
    [InlineData("https://shop.example.com/old-page?id=3", "/old-page?id=4", true)]
    [InlineData("https://shop.example.com/old-page", "/old-page2", false)]
    [InlineData("https://shop.example.com/old-page", "/old-page/sub", false)]
    [InlineData("https://shop.example.com/old-page", "/archive/old-page", false)]
    [InlineData("https://shop.example.com/files/report(1).pdf", "/files/report(1).pdf", true)]
    [InlineData("https://shop.example.com/files/report(1).pdf", "/files/report1.pdf", false)]
    [InlineData("https://shop.example.com/a+b/*.html", "/a+b/*.html", true)]
    [InlineData("https://shop.example.com/a+b/*.html", "/aab/x.html", false)]
    public void IgnorePatternFor_BrokenLink_MatchesItsPathWithAnyQueryAndNothingElse(string url, string target, bool matches)
    {
        var pattern = BrokenLinkRules.IgnorePatternFor(url);

        Assert.Equal(matches, BrokenLinkRules.Pattern("rule", pattern).IsMatch(target));
    }

    [Fact]
    public void IgnorePatternFor_PlainPath_IsAnchoredAndReadable()
    {
        Assert.Equal(@"^/old-page(\?|$)", BrokenLinkRules.IgnorePatternFor("https://shop.example.com/old-page?x=1"));
    }

    [Fact]
    public void Classify_PatternThatBacktracksForever_CountsAsNoMatchInsteadOfStalling()
    {
        var rules = new BrokenLinkRuleSet([BrokenLinkRules.Pattern("IGNORABLE_404_URLS evil", "^/(a+)+$")], [], []);

        var verdict = BrokenLinkRules.Classify("http://testserver/" + new string('a', 5000) + "!", "http://testserver/", Browser, rules);

        Assert.Equal(BrokenLinkClass.Reported, verdict.Class);
    }

    [Theory]
    [InlineData(BrokenLinkClass.Ignorable, "IGNORABLE_404_URLS ^/favicon", "ignorable (IGNORABLE_404_URLS ^/favicon)")]
    [InlineData(BrokenLinkClass.Noise, "user agent sqlmap", "scanner noise (user agent sqlmap)")]
    public void Description_NamesTheClassAndTheRule(BrokenLinkClass kind, string rule, string expected)
    {
        Assert.Equal(expected, new BrokenLinkVerdict(kind, rule).Description);
    }

    [Theory]
    [InlineData("https://shop.example.com/blog/", "shop.example.com", true)]
    [InlineData("http://SHOP.example.com/blog/", "shop.example.com", false)]
    [InlineData("HTTP://shop.example.com/blog/", "shop.example.com", false)]
    [InlineData("https://shop.example.com/blog/", "shop.example.com:8443", false)]
    [InlineData("https://shop.example.com:8443/blog/", "shop.example.com:8443", true)]
    [InlineData("https://shop.example.com.evil.test/blog/", "shop.example.com", false)]
    [InlineData("https://www.shop.example.com/", "shop.example.com", false)]
    [InlineData("/blog/", "shop.example.com", false)]
    [InlineData("", "shop.example.com", false)]
    public void IsInternal_FollowsDjangosIsInternalRequest(string referrer, string domain, bool expected)
    {
        Assert.Equal(expected, BrokenLinkRules.IsInternal(referrer, domain));
    }
}
