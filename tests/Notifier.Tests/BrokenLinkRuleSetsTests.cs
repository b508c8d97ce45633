using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Grouping;

namespace Alerts.Notifier.Tests;

/// <summary>Which rules apply to which project: global and per-project IGNORABLE_404_URLS, stored ignore rules, scanner lists.</summary>
public class BrokenLinkRuleSetsTests
{
    private const string Referrer = "https://shop.example.com/blog/";
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    private static readonly ConfiguredRules Configured = ConfiguredRules.Compile(new AlertsOptions
    {
        Ignorable404Urls = [@"^/favicon\.ico$"],
        Projects =
        [
            new ProjectOptions { Id = 1, Name = "shop", Key = "k1", Ignorable404Urls = ["^/legacy/"] },
            new ProjectOptions { Id = 2, Name = "blog", Key = "k2" },
        ],
        ScannerNoise = new ScannerNoiseOptions { UserAgents = ["(?i)sqlmap", ""], ProbeUrls = [@"^/admin\.php$"] },
    });

    private static readonly IReadOnlyList<NamedPattern> StoredForShop = [BrokenLinkRules.Pattern(@"ignore rule #7 ^/old-page(\?|$)", @"^/old-page(\?|$)")];

    public static TheoryData<string, long, string, string, string?> Cases => new()
    {
        { "global pattern applies to every project", 2, "/favicon.ico", Browser, @"ignorable (IGNORABLE_404_URLS ^/favicon\.ico$)" },
        { "a project's own pattern applies to it", 1, "/legacy/catalog.asp", Browser, "ignorable (project 1 IGNORABLE_404_URLS ^/legacy/)" },
        { "a project's own pattern does not apply to another", 2, "/legacy/catalog.asp", Browser, null },
        { "a stored ignore rule applies to its project", 1, "/old-page?utm_source=news", Browser, @"ignorable (ignore rule #7 ^/old-page(\?|$))" },
        { "a stored ignore rule does not apply to another project", 2, "/old-page", Browser, null },
        { "configured scanner user agents replace the defaults", 1, "/missing", "sqlmap/1.8", "scanner noise (user agent sqlmap)" },
        { "a default scanner no longer listed is reported", 1, "/missing", "Nikto/2.5", null },
        { "configured probe paths replace the defaults", 2, "/admin.php", Browser, @"scanner noise (probe path ^/admin\.php$)" },
        { "a default probe path no longer listed is reported", 2, "/wp-login.php", Browser, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void For_Project_AppliesTheGlobalItsOwnAndItsStoredRules(string why, long project, string path, string userAgent, string? heldBackBy)
    {
        var rules = Configured.For(project, project == 1 ? StoredForShop : []);

        var verdict = BrokenLinkRules.Classify("https://shop.example.com" + path, Referrer, userAgent, rules);

        Assert.True(heldBackBy == (verdict.Class == BrokenLinkClass.Reported ? null : verdict.Description), $"{why}: {verdict.Description}");
    }
}
