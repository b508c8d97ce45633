using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.MailActions;
using Alerts.TestSupport;
using CsCheck;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// The one-click actions of an incident mail, end to end: the link is taken from the mail MailDev received, its page is
/// fetched as a mail scanner would (nothing changes) and then confirmed as a person would (the incident changes).
/// </summary>
public sealed partial class MailActionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _linkClock = new(DateTimeOffset.UtcNow);
    private MailDevServer _mailDev = null!;
    private AlertsTestApp _app = null!;

    public async Task InitializeAsync()
    {
        _mailDev = await MailDevServer.StartAsync();
        var port = FreePort.Next();
        _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = _mailDev.SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Alerts:BaseUrl"] = $"http://127.0.0.1:{port}/",
            ["Alerts:Notifier:SweepIntervalSeconds"] = "1",
            // Every further occurrence is worth a mail, so a snooze's silence is the snooze's doing.
            ["Alerts:Policy:CooldownMinutes"] = "0",
        },
        // The links' clock alone is fake: the tokens expire when the test says, the pipeline keeps real time.
        services: s => s.AddSingleton(sp => new MailActionTokens(sp.GetRequiredService<IDataProtectionProvider>(), _linkClock)),
        port: port);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _mailDev.DisposeAsync();
    }

    [Fact]
    public async Task ResolveLinkFromTheReceivedMail_GetChangesNothing_PostResolves_AndTheLogSaysFromMail()
    {
        await _app.Client.PostEventAsync(SampleEvents.Error());
        var mail = Assert.Single(await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        var link = LinkIn(mail, "Resolve");
        Assert.Contains(link, mail.Html, StringComparison.Ordinal); // the HTML part carries the same links
        Assert.Contains("Snooze 24 h: ", mail.Text, StringComparison.Ordinal);
        Assert.Contains("Ignore: ", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Ignore URLs like this", mail.Text, StringComparison.Ordinal); // an error has no URL rule

        using var browser = Browser();
        // A mail scanner follows the link: it gets the confirmation page, and nothing changes.
        using var page = await browser.GetAsync(link);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("no-store", page.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains(">Resolve</button>", html, StringComparison.Ordinal);
        var incident = await IncidentAsync();
        Assert.Equal(IncidentStatus.Open, incident.Status);

        // A POST without the page's antiforgery token (a scanner replaying the form) is refused and changes nothing.
        using (var forged = await browser.PostAsync(link, Form(("token", TokenOf(link)))))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(IncidentStatus.Open, (await IncidentAsync()).Status);

        using var confirmed = await browser.PostAsync(link, Form(("token", TokenOf(link)), ("__RequestVerificationToken", AntiforgeryToken(html))));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Done: the incident is resolved", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(IncidentStatus.Resolved, (await IncidentAsync()).Status);
        var logged = Assert.Single(await ActionsLoggedAsync(incident.Id));
        Assert.Contains("resolved from mail", logged.Reason, StringComparison.Ordinal);
        Assert.Contains("ADMINS", logged.Reason, StringComparison.Ordinal);
        Assert.Contains("ada@example.com", logged.Reason, StringComparison.Ordinal);

        // The same link again (a replay, a second click): harmless, and it says so.
        using var replay = await browser.PostAsync(link, Form(("token", TokenOf(link)), ("__RequestVerificationToken", AntiforgeryToken(html))));
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Contains("Already done: the incident was already resolved. Nothing changed.", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(await ActionsLoggedAsync(incident.Id));
        Assert.Equal(IncidentStatus.Resolved, (await IncidentAsync()).Status);
    }

    [Fact]
    public async Task BrokenLinkMail_IgnoreUrlsLikeThis_AddsTheRule_AndIgnoresTheIncident()
    {
        await _app.Client.PostEventAsync(SampleEvents.BrokenLink(path: "/old-page"));
        var mail = Assert.Single(await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        var link = LinkIn(mail, "Ignore URLs like this");

        using var browser = Browser();
        using var page = await browser.GetAsync(link);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Empty(await _app.QueryAsync(db => db.IgnoreRules.ToListAsync()));
        using var confirmed = await browser.PostAsync(link, Form(("token", TokenOf(link)), ("__RequestVerificationToken", AntiforgeryToken(html))));

        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var rule = Assert.Single(await _app.QueryAsync(db => db.IgnoreRules.ToListAsync()));
        Assert.Matches(rule.Pattern, "/old-page");
        Assert.Equal("from mail", rule.CreatedBy);
        var incident = await IncidentAsync();
        Assert.Equal(IncidentStatus.Ignored, incident.Status);
        Assert.Contains("MANAGERS", Assert.Single(await ActionsLoggedAsync(incident.Id)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredLink_IsRefusedWithAClearPage_AndChangesNothing()
    {
        await _app.Client.PostEventAsync(SampleEvents.Error());
        var link = LinkIn(Assert.Single(await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout)), "Resolve");
        using var browser = Browser();
        using var fresh = await browser.GetAsync(link);
        var html = await fresh.Content.ReadAsStringAsync();

        _linkClock.Advance(MailActionTokens.Lifetime + TimeSpan.FromSeconds(1));

        using var page = await browser.GetAsync(link);
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("This link has expired", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var post = await browser.PostAsync(link, Form(("token", TokenOf(link)), ("__RequestVerificationToken", AntiforgeryToken(html))));
        Assert.Equal(HttpStatusCode.Gone, post.StatusCode);
        Assert.Equal(IncidentStatus.Open, (await IncidentAsync()).Status);
        Assert.Empty(await ActionsLoggedAsync((await IncidentAsync()).Id));
    }

    [Fact]
    public async Task TamperedLinks_AreRefusedWithAClearPage_NeverA5xx_AndChangeNothing()
    {
        await _app.Client.PostEventAsync(SampleEvents.Error());
        var link = LinkIn(Assert.Single(await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout)), "Resolve");
        var token = TokenOf(link);
        using var browser = Browser();
        using var fresh = await browser.GetAsync(link);
        var antiforgery = AntiforgeryToken(await fresh.Content.ReadAsStringAsync());
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        // Flip one character, cut the token short, lengthen it, or swap two characters.
        var mutations =
            from how in Gen.Int[0, 3]
            from at in Gen.Int[0, token.Length - 1]
            from other in Gen.Int[0, token.Length - 1]
            from c in Gen.Char[alphabet]
            select how switch
            {
                0 => token[..at] + (token[at] == c ? (c == 'A' ? 'B' : 'A') : c) + token[(at + 1)..],
                1 => token[..at],
                2 => token + c,
                _ => token[at] == token[other] ? token + "A" : Swap(token, at, other),
            };

        await mutations.SampleAsync(async mutated =>
        {
            using var page = await browser.PostAsync($"{link.Split('?')[0]}?token={Uri.EscapeDataString(mutated)}",
                Form(("token", mutated), ("__RequestVerificationToken", antiforgery)));
            var body = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.BadRequest, $"token {mutated} answered {(int)page.StatusCode}");
            Assert.Contains("This link is not valid", body, StringComparison.Ordinal);
        }, iter: 60, threads: 1);

        Assert.Equal(IncidentStatus.Open, (await IncidentAsync()).Status);
        Assert.Empty(await ActionsLoggedAsync((await IncidentAsync()).Id));
    }

    [Fact]
    public async Task ListUnsubscribeOneClick_SnoozesTheIncident_AndTheNextOccurrenceMailsNobody()
    {
        await _app.Client.PostEventAsync(SampleEvents.Error(line: 42));
        await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout);
        // Without the snooze, a further occurrence is mailed (cooldown 0): the silence below is the unsubscribe's.
        await _app.Client.PostEventAsync(SampleEvents.Error(line: 43));
        var mails = await _mailDev.WaitForMailsAsync(2, Mailboxes.MailTimeout);
        var mail = mails[^1];
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
        var unsubscribe = Regex.Match(mail.Headers["List-Unsubscribe"], "^<(https?://[^>]+)>$").Groups[1].Value;
        Assert.StartsWith($"{_app.BaseAddress.AbsoluteUri.TrimEnd('/')}/api/v1/mail/unsubscribe?token=", unsubscribe, StringComparison.Ordinal);

        // As Gmail sends it (RFC 8058): a POST with the form body List-Unsubscribe=One-Click, no cookie, no page.
        using var mailProvider = new HttpClient();
        using var response = await mailProvider.PostAsync(unsubscribe, Form(("List-Unsubscribe", "One-Click")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var incident = await IncidentAsync();
        Assert.Equal(IncidentStatus.Snoozed, incident.Status);
        Assert.True(incident.SnoozedUntil > DateTime.UtcNow.AddDays(6), $"snoozed until {incident.SnoozedUntil}");
        Assert.Contains("List-Unsubscribe", Assert.Single(await ActionsLoggedAsync(incident.Id)).Reason, StringComparison.Ordinal);

        // Posting it again is harmless.
        using (var again = await mailProvider.PostAsync(unsubscribe, Form(("List-Unsubscribe", "One-Click"))))
            Assert.Contains("already_snoozed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A body that is not RFC 8058's is refused.
        using (var bare = await mailProvider.PostAsync(unsubscribe, Form(("List-Unsubscribe", "Yes"))))
            Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);

        await _app.Client.PostEventAsync(SampleEvents.Error(line: 44));
        await Wait.UntilAsync(async () => (await IncidentAsync()).Count == 3, TimeSpan.FromSeconds(30), "the third occurrence to be counted");
        var after = await _mailDev.MailsBeforeSentinelAsync(_app.Client);
        Assert.Equal(2, after.Count);
    }

    [Fact]
    public async Task ProjectMadeLikeTheCli_IsNamedInTheMailAndItsListId()
    {
        var (project, key) = await _app.QueryAsync(db => ProjectCatalog.AddAsync(db, "billing", DateTime.UtcNow, CancellationToken.None));
        await _app.Client.PostEventAsync(SampleEvents.Error(), key);

        var mail = Assert.Single(await _mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        var id = project.Id.ToString(CultureInfo.InvariantCulture);
        Assert.Contains($"in project billing ({id})", mail.Text, StringComparison.Ordinal);
        Assert.Contains($"billing ({id})", mail.Html, StringComparison.Ordinal);
        Assert.Equal($"billing <project-{id}.alerts.localhost>", mail.Headers["List-Id"]);
    }

    private static string Swap(string s, int i, int j)
    {
        var chars = s.ToCharArray();
        (chars[i], chars[j]) = (chars[j], chars[i]);
        return new string(chars);
    }

    private static HttpClient Browser() => new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false });

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static string LinkIn(ReceivedMail mail, string label)
    {
        var match = Regex.Match(mail.Text ?? "", $"^{Regex.Escape(label)}: (http\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no \"{label}\" link in the text part:\n{mail.Text}");
        return match.Groups[1].Value.TrimEnd('\r');
    }

    private static string TokenOf(string link) => link[(link.IndexOf("?token=", StringComparison.Ordinal) + "?token=".Length)..];

    private static string AntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no antiforgery token on the page");

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private Task<Incident> IncidentAsync() => _app.QueryAsync(db => db.Incidents.AsNoTracking().SingleAsync());

    private Task<List<Notification>> ActionsLoggedAsync(long incidentId) =>
        _app.QueryAsync(db => db.Notifications.AsNoTracking().Where(n => n.IncidentId == incidentId && n.Cause == NotificationReason.ActionFromMail).ToListAsync());
}
