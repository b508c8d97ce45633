using System.Globalization;
using Alerts.TestSupport;
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

    [Fact]
    public async Task ErrorWithQueryString_MailShowsTheFullUrlAndWhatDjangoShowed()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var alerts = await StartAlertsAsync(smtp);

        await RunShopAsync(alerts, "error");

        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, MailTimeout));
        output.WriteLine("Subject: " + mail.Subject);
        output.WriteLine(mail.Text);
        Assert.Contains("/orders/17/?x=1", mail.Text, StringComparison.Ordinal);
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
