using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>From an app's post to a mail in an inbox: <c>alerts serve</c> and MailDev, as a user runs them.</summary>
public sealed class PipelineTests(ITestOutputHelper output) : IAsyncLifetime
{
    private MailDevServer mailDev = null!;
    private AlertsProcess alerts = null!;
    private Dictionary<string, string> env = null!;

    public async Task InitializeAsync()
    {
        mailDev = await MailDevServer.StartAsync();
        alerts = new AlertsProcess(output.WriteLine);
        env = E2eSettings.Smtp(mailDev.SmtpPort);
        await alerts.StartServeAsync(env);
    }

    public async Task DisposeAsync()
    {
        await alerts.DisposeAsync();
        await mailDev.DisposeAsync();
    }

    [Fact]
    public async Task PostError_MailsEveryAdminOnce_WithPrefixTracebackAndUrl()
    {
        await alerts.Client.PostEventAsync(SampleEvents.Error(path: "/orders/17"));

        var mail = Assert.Single(await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        Assert.StartsWith(E2eSettings.Prefix, mail.Subject, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(E2eSettings.ServerEmail, mail.From);
        Assert.Equal(E2eSettings.Admins.Order(), mail.To.Order());
        Assert.Equal(E2eSettings.Admins.Order(), (await MailDevEnvelope.RecipientsAsync(mailDev, mail.MessageId)).Order());
        Assert.Contains("shop/views.py", mail.Text, StringComparison.Ordinal);
        Assert.Contains("order_detail", mail.Text, StringComparison.Ordinal);
        Assert.Contains("https://shop.example.com/orders/17", mail.Text, StringComparison.Ordinal);

        var mails = await mailDev.MailsBeforeSentinelAsync(alerts.Client);
        Assert.Single(mails);
    }

    [Fact]
    public async Task PostBrokenInternalLink_MailsManagersOnly()
    {
        await alerts.Client.PostEventAsync(SampleEvents.BrokenLink(path: "/old-page", referrer: "https://shop.example.com/blog/"));

        var mail = Assert.Single(await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        Assert.Equal($"{E2eSettings.Prefix}Broken INTERNAL link on shop.example.com", mail.Subject);
        Assert.Equal(E2eSettings.Managers, mail.To);
        Assert.Contains("https://shop.example.com/old-page", mail.Text, StringComparison.Ordinal);

        var mails = await mailDev.MailsBeforeSentinelAsync(alerts.Client);
        Assert.Single(mails);
    }

    [Fact]
    public async Task FiftyMoreOfTheSameError_AddNoMail_AndCount51()
    {
        var token = await alerts.CreateTokenAsync(env);
        await alerts.Client.PostEventAsync(SampleEvents.Error(line: 42));
        await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout);

        // The in-app frame moves as the code is edited; a shifted line is still the same incident.
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => alerts.Client.PostEventAsync(SampleEvents.Error(line: 43 + i))));

        var incidents = await alerts.Client.WaitForIncidentsAsync(
            token, seen => seen.Sum(i => i.Count) >= 51, "all 51 events to be counted", TimeSpan.FromSeconds(60));
        var incident = Assert.Single(incidents);
        Assert.Equal(51, incident.Count);
        Assert.Single(await mailDev.GetMailsAsync());

        var mails = await mailDev.MailsBeforeSentinelAsync(alerts.Client);
        var mail = Assert.Single(mails);
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(51, (await alerts.Client.IncidentsAsync(token)).Single(i => i.Id == incident.Id).Count);
    }
}
