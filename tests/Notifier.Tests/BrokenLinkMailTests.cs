using System.Net;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Alerts.Notifier.Tests;

/// <summary>Broken links through the real host: Django's rules decide what MANAGERS get; the rest is counted and named.</summary>
public sealed class BrokenLinkMailTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Sqlmap = "sqlmap/1.8.2#stable (https://sqlmap.org)";

    [Fact]
    public async Task InternalBrokenLink_IsMailedToManagersWithTheInternalSubjectAndDjangosBody()
    {
        await using var app = await AlertsTestApp.StartAsync();

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var mail = Assert.Single(await WaitForSentMailsAsync(app, 1));

        Assert.Equal("[Alerts] Broken INTERNAL link on shop.example.com", mail.Subject);
        Assert.Equal(["max@example.com"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("Referrer: https://shop.example.com/blog/", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Requested URL: https://shop.example.com/old-page", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("User agent: Mozilla/5.0", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("IP address: 198.51.100.4", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExternalBrokenLink_IsMailedWithoutInternal()
    {
        await using var app = await AlertsTestApp.StartAsync();

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://partner.example.org/links/"));
        var mail = Assert.Single(await WaitForSentMailsAsync(app, 1));

        Assert.Equal("[Alerts] Broken link on shop.example.com", mail.Subject);
    }

    [Fact]
    public async Task InternalReferrerAfterAnExternalOne_IsMailedOnceAsTheFirstInternalReferrer()
    {
        await using var app = await AlertsTestApp.StartAsync();

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://partner.example.org/links/"));
        Assert.Equal("[Alerts] Broken link on shop.example.com", Assert.Single(await WaitForSentMailsAsync(app, 1)).Subject);
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var mails = await WaitForSentMailsAsync(app, 2);
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/news/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://partner.example.org/other/"));
        await Wait.UntilAsync(() => app.QueryAsync(async db => await db.Incidents.SumAsync(i => i.Count) >= 4 ? (bool?)true : null), Timeout, "four occurrences grouped");

        // The mailbox does not keep the order mails arrived in: the second is told by its subject.
        var internalLink = Assert.Single(mails, m => m.Subject == "[Alerts] Broken INTERNAL link on shop.example.com");
        Assert.Contains("Referrer: https://shop.example.com/blog/", internalLink.TextBody, StringComparison.Ordinal);
        var reasons = await app.QueryAsync(db => db.Notifications.OrderBy(n => n.Id).Select(n => n.Cause).ToListAsync());
        Assert.Equal([NotificationReason.FirstOccurrence, NotificationReason.FirstInternalReferrer], reasons);
        Assert.Equal(2, (await WaitForSentMailsAsync(app, 2)).Count);
    }

    public static TheoryData<string, string, string, string, string, string> HeldBack => new()
    {
        { "APPEND_SLASH redirect", "/old-page/", "https://shop.example.com/old-page", "Mozilla/5.0", "", $"ignorable ({BrokenLinkRules.AppendSlashRedirect})" },
        { "search engine", "/old-page", "https://www.google.com/search?q=old+page", "Mozilla/5.0", "", $"ignorable ({BrokenLinkRules.SearchEngine})" },
        { "bot", "/old-page", "http://shop.example.com/old-page", "Mozilla/5.0", "", $"ignorable ({BrokenLinkRules.ReferrerIsUrl})" },
        { "global IGNORABLE_404_URLS", "/favicon.ico", "https://shop.example.com/", "Mozilla/5.0", "Alerts:Ignorable404Urls:0=^/favicon", "ignorable (IGNORABLE_404_URLS ^/favicon)" },
        { "project IGNORABLE_404_URLS", "/legacy/cart.asp", "https://shop.example.com/", "Mozilla/5.0", "Alerts:Projects:0:Ignorable404Urls:0=^/legacy/", "ignorable (project 1 IGNORABLE_404_URLS ^/legacy/)" },
        { "scanner user agent", "/old-page", "https://shop.example.com/blog/", Sqlmap, "", "scanner noise (user agent sqlmap)" },
        { "probe path", "/wp-login.php", "https://shop.example.com/", "Mozilla/5.0", "", @"scanner noise (probe path wp-login\.php)" },
    };

    [Theory]
    [MemberData(nameof(HeldBack))]
    public async Task IgnorableOrNoise_IsCountedNotMailed_AndTheIncidentNamesTheRule(string why, string path, string referrer, string userAgent, string setting, string rule)
    {
        var settings = new Dictionary<string, string>();
        if (setting.Length > 0) settings[setting.Split('=')[0]] = setting.Split('=', 2)[1];
        await using var app = await AlertsTestApp.StartAsync(settings);

        await PostAsync(app, SampleEvents.BrokenLink(path, referrer, userAgent));
        await PostAsync(app, SampleEvents.BrokenLink(path, referrer, userAgent));
        var incident = await WaitForIncidentAsync(app, count: 2);

        Assert.Equal((2, rule), (incident.IgnoredCount, incident.IgnoredBy));
        // One row in the log says why, however often it occurs; nothing is pending or sent.
        var row = Assert.Single(await app.QueryAsync(db => db.Notifications.ToListAsync()));
        Assert.True(row.Status == NotificationStatus.Skipped, why);
        Assert.Equal($"held back: {rule}", row.Reason);
        Assert.Empty(app.Mails());
    }

    [Fact]
    public async Task ScannerProbedALinkFirst_ThenAVisitorFollowsIt_TheVisitorsOccurrenceIsMailed()
    {
        await using var app = await AlertsTestApp.StartAsync();

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/", Sqlmap));
        await WaitForIncidentAsync(app, count: 1);
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var mail = Assert.Single(await WaitForSentMailsAsync(app, 1));

        Assert.Equal("[Alerts] Broken INTERNAL link on shop.example.com", mail.Subject);
        Assert.Contains("User agent: Mozilla/5.0", mail.TextBody, StringComparison.Ordinal);
        var incident = await app.QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal((2, 1), (incident.Count, incident.IgnoredCount));
        var reasons = await app.QueryAsync(db => db.Notifications.OrderBy(n => n.Id).Select(n => n.Reason).ToListAsync());
        Assert.Equal(["held back: scanner noise (user agent sqlmap)", "first occurrence"], reasons);
    }

    [Fact]
    public async Task ScannerNoiseMailOn_MailsTheProbeAndSaysItIsNoise()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:ScannerNoise:Mail"] = "true" });

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/", Sqlmap));
        var mail = Assert.Single(await WaitForSentMailsAsync(app, 1));

        Assert.Contains("first occurrence; scanner noise (user agent sqlmap)", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal(0, (await app.QueryAsync(db => db.Incidents.SingleAsync())).IgnoredCount);
    }

    [Fact]
    public async Task OneTargetFromTwoPages_IsOneIncidentWithACountPerReferringPage()
    {
        await using var app = await AlertsTestApp.StartAsync();

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/news/"));
        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        var incident = await WaitForIncidentAsync(app, count: 3);

        var referrers = await app.QueryAsync(db => db.BrokenLinkReferrers.Where(r => r.IncidentId == incident.Id)
            .OrderBy(r => r.Referrer).Select(r => new { r.Referrer, r.Count }).ToListAsync());
        Assert.Equal(
            [("https://shop.example.com/blog/", 2L), ("https://shop.example.com/news/", 1L)],
            referrers.Select(r => (r.Referrer, r.Count)));
        Assert.Single(await WaitForSentMailsAsync(app, 1));
        Assert.Equal(1, await app.QueryAsync(db => db.Incidents.CountAsync()));
    }

    [Fact]
    public async Task DigestOn_TwoNewLinks_OneMailToManagersListingThemByReferringPage()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:BrokenLinkDigestMinutes"] = "60",
            ["Alerts:Notifier:SweepIntervalSeconds"] = "1",
        });

        await PostAsync(app, SampleEvents.BrokenLink("/old-page", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.BrokenLink("/gone", "https://shop.example.com/blog/"));
        await PostAsync(app, SampleEvents.BrokenLink("/gone", "https://partner.example.org/links/"));
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == 3, Timeout, "three occurrences counted");
        var held = await app.QueryAsync(db => db.Notifications.OrderBy(n => n.Id).ToListAsync());
        Assert.Equal(["first occurrence; in digest", "first occurrence; in digest"], held.Select(n => n.Reason));
        Assert.All(held, n => Assert.Equal(NotificationStatus.Skipped, n.Status));
        Assert.Empty(app.Mails());

        // As if the interval had passed: the next sweep writes the digest.
        var anHourAgo = DateTime.UtcNow.AddMinutes(-61);
        await app.QueryAsync(db => db.Notifications.ExecuteUpdateAsync(s => s.SetProperty(n => n.CreatedAt, anHourAgo)));
        var mail = Assert.Single(await WaitForSentMailsAsync(app, 1));

        Assert.Equal("[Alerts] Broken links in shop: 2 broken links", mail.Subject);
        Assert.Equal(["max@example.com"], mail.To.Mailboxes.Select(m => m.Address));
        var body = (mail.TextBody ?? "").ReplaceLineEndings("\n");
        var blog = body.IndexOf("https://shop.example.com/blog/   (INTERNAL)\n", StringComparison.Ordinal);
        var partner = body.IndexOf("https://partner.example.org/links/\n", StringComparison.Ordinal);
        Assert.True(blog >= 0 && partner > blog, body);
        var underBlog = body[blog..partner];
        Assert.Contains("    /gone   1 ×, first occurrence", underBlog, StringComparison.Ordinal);
        Assert.Contains("    /old-page   1 ×, first occurrence", underBlog, StringComparison.Ordinal);
        Assert.Contains("    /gone   1 ×", body[partner..], StringComparison.Ordinal);
        Assert.DoesNotContain("/old-page", body[partner..], StringComparison.Ordinal);
        var digestId = await app.QueryAsync(db => db.Notifications.Where(n => n.Reason == "broken-link digest").Select(n => n.Id).SingleAsync());
        Assert.All(await app.QueryAsync(db => db.Notifications.Where(n => n.Id != digestId).ToListAsync()), n => Assert.Equal(digestId, n.SummaryId));
    }

    private static async Task PostAsync(AlertsTestApp app, string json)
    {
        using var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static Task<Incident> WaitForIncidentAsync(AlertsTestApp app, long count) =>
        Wait.UntilAsync(() => app.QueryAsync(db => db.Incidents.Where(i => i.Count >= count).FirstOrDefaultAsync()), Timeout, $"an incident counting {count}");

    /// <summary>Waits until the outbox has marked <paramref name="count"/> mails sent (the file is complete then).</summary>
    private static async Task<IReadOnlyList<MimeMessage>> WaitForSentMailsAsync(AlertsTestApp app, int count)
    {
        await Wait.UntilAsync(async () => await app.QueryAsync(db => db.Notifications.CountAsync(n => n.Status == NotificationStatus.Sent)) >= count,
            Timeout, $"{count} mail(s) sent");
        return app.Mails();
    }
}
