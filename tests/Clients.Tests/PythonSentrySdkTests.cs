using System.Globalization;
using System.Net;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Alerts.Clients.Tests;

/// <summary>
/// The official Python Sentry SDK (Debian's python3-sentry-sdk, with its Django integration) reporting a one-file Django
/// shop (python-sentry/shop.py) to a real Alerts host that mails through a real SMTP server (aiosmtpd): what the admins
/// read is what a Django user's AdminEmailHandler mail had.
/// </summary>
public sealed class PythonSentrySdkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["sentry_sdk"] = "python3-sentry-sdk",
        ["django"] = "python3-django",
    };

    private static string ShopDirectory => Path.Combine(RepoPaths.Root, "tests", "Clients.Tests", "python-sentry");

    /// <summary>Values the shop sends that must never reach a mail: session and CSRF cookies, an API key header, a password local.</summary>
    private static readonly string[] Secrets = ["s3ss10n-v4lu3-do-not-mail", "csrf-t0k3n-do-not-mail", "k3y-do-not-mail", "hunter2-do-not-mail", "pw-do-not-mail"];

    [Fact]
    public async Task ErrorWithQueryString_MailHasDjangosSubjectAndEverythingItsReportShowed_Scrubbed()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp);

        await RunShopAsync(alerts, "error");

        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, MailTimeout));
        output.WriteLine(mail.Text);
        Assert.Equal("[Alerts] ERROR (EXTERNAL IP): Internal Server Error: /orders/{order_id}/ (ZeroDivisionError: division by zero)", mail.Subject);
        foreach (var (part, text) in new[] { ("text", mail.Text!), ("HTML", WebUtility.HtmlDecode(mail.Html!)) })
        {
            foreach (var shown in new[]
                     {
                         "/orders/17/?x=1",                       // the query string the SDK sends apart
                         "lines", "note", "'gift wrap'",          // frame locals
                         "card_password", "theme", "dark",        // a hidden local's name, a harmless cookie
                         "sessionid", "csrftoken",                // cookies named, values hidden
                         "Accept-Language", "en-GB",              // headers (Django's META)
                         "grace", "grace@shop.example.com",       // the user
                         "Server time", "CPython 3.11", "sentry-sdk",
                     })
            {
                Assert.True(text.Contains(shown, StringComparison.Ordinal), $"the {part} part lacks '{shown}':{Environment.NewLine}{text}");
            }
        }
        foreach (var secret in Secrets) Assert.DoesNotContain(secret, mail.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FormPostFromAnInternalIp_SubjectSaysInternal_FormDataShownAndScrubbed()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp, ("Alerts:InternalIps:0", "127.0.0.1"));

        await RunShopAsync(alerts, "post");

        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.StartsWith("[Alerts] ERROR (internal IP): Internal Server Error: /orders/{order_id}/pay/ (MultiValueDictKeyError: ", mail.Subject, StringComparison.Ordinal);
        foreach (var text in new[] { mail.Text!, WebUtility.HtmlDecode(mail.Html!) })
        {
            Assert.Contains("POST", text, StringComparison.Ordinal);
            Assert.Contains("amount", text, StringComparison.Ordinal);
            Assert.Contains("12.50", text, StringComparison.Ordinal);
            Assert.Contains("password", text, StringComparison.Ordinal);
        }
        foreach (var secret in Secrets) Assert.DoesNotContain(secret, mail.Raw, StringComparison.Ordinal);
    }

    /// <summary>
    /// Debian's SDK (1.9.x) predates <c>mechanism.source</c> (sentry-python 1.24): it does not say whether Python chained
    /// implicitly or explicitly, so the mail says neither rather than guess; Python's own two wordings are in the mapper's
    /// tests on the current SDK's payloads and in the Django client's tests.
    /// </summary>
    [Fact]
    public async Task ChainedExceptions_FromAnSdkThatDoesNotSayHow_MailDoesNotGuessTheWording()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp);

        var run = await RunShopAsync(alerts, "implicit", "explicit");

        Assert.Contains("During handling of the above exception, another exception occurred:", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("The above exception was the direct cause of the following exception:", run.StandardError, StringComparison.Ordinal);
        var mails = await smtp.WaitForMailsAsync(2, MailTimeout);
        Assert.Equal(2, mails.Count);
        foreach (var mail in mails)
        {
            Assert.Contains("/stock/{item_id}/", mail.Subject, StringComparison.Ordinal);
            Assert.Contains("KeyError", mail.Text, StringComparison.Ordinal);
            Assert.Contains("The above exception led to the following exception:", mail.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CapturedWarning_BelowMailLevel_IsRecordedAndHeldNotMailed()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp);

        await RunShopAsync(alerts, "warning", "error");

        var held = await Wait.UntilAsync(
            () => alerts.QueryAsync(db => db.Notifications.FirstOrDefaultAsync(n => n.Hold == NotificationHold.BelowMailLevel)),
            MailTimeout, "the warning's held notification");
        Assert.Equal(NotificationReason.FirstOccurrence, held.Cause);
        Assert.Contains("below the mail level", held.Reason, StringComparison.Ordinal);
        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
        // Both events were grouped before the error was mailed; a warning mail would have gone out first.
        Assert.Equal(2, await alerts.QueryAsync(db => db.Incidents.CountAsync()));
        Assert.Single(await smtp.GetMailsAsync());
    }

    [Fact]
    public async Task CapturedWarning_MailLevelWarning_IsMailedWithoutIpMarker()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp, ("Alerts:MailLevel", "warning"));

        await RunShopAsync(alerts, "warning");

        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.StartsWith("[Alerts] WARNING", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("Order export took 31 s", mail.Subject, StringComparison.Ordinal);
    }

    private static Task<AlertsTestApp> StartAlertsAsync(AiosmtpdServer smtp, params (string Key, string Value)[] settings)
    {
        var config = new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings) config[key] = value;
        return AlertsTestApp.StartAsync(config);
    }

    private async Task<PythonRun> RunShopAsync(AlertsTestApp alerts, params string[] scenarios)
    {
        var run = await DebianPython.RunAsync(
            ShopDirectory,
            ["shop.py", .. scenarios],
            new Dictionary<string, string> { ["SENTRY_DSN"] = ShopHost.Dsn(alerts.BaseAddress.Port) },
            Packages);
        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}
