using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

public sealed partial class CliTests
{
    [Fact]
    public async Task CrawlRun_ReportsTheDeadLinks_StatusListsTheRun_AndServeMailsThemToManagers()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false);
        await using var site = await TestSite.StartAsync();
        site.Write("index.html", """<html><body><a href="/about.html">about</a> <a href="/missing.html">gone</a></body></html>""");
        site.Write("about.html", """<html><body><a href="/">home</a> <img src="/logo-missing.png"></body></html>""");
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(smtp.Port).With(
            ("Alerts__Crawler__AllowPrivateTargets", "true"),
            ("Alerts__Sites__0__Id", "shop"),
            ("Alerts__Sites__0__ProjectId", "1"),
            ("Alerts__Sites__0__StartUrl", site.Home.AbsoluteUri),
            ("Alerts__Sites__0__RequestsPerSecond", "100"));

        var run = await alerts.RunAsync(env, "crawl", "run", "--site", "shop");

        Assert.True(run.ExitCode == 0, $"crawl run failed: {run}");
        Assert.Contains("shop: completed in", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 dead internal, 0 dead external", run.StandardOutput, StringComparison.Ordinal);
        var status = await alerts.RunAsync(env, "crawl", "status");
        Assert.True(status.ExitCode == 0, $"crawl status failed: {status}");
        var row = status.StandardOutput.Split('\n')[1].Split('\t');
        Assert.Equal(("shop", "completed", "3", "2"), (row[1], row[2], row[5], row[8]));

        // The CLI has no bus: the events wait in the inbox until a notifier's sweep groups and mails them.
        await alerts.StartServeAsync(env);
        var mails = await smtp.WaitForMailsAsync(2, TimeSpan.FromSeconds(60));
        Assert.All(mails, m => Assert.Equal(E2eSettings.Managers, m.To));
        Assert.Equal(["[Shop] Broken INTERNAL link on 127.0.0.1:" + site.Home.Port, "[Shop] Broken INTERNAL link on 127.0.0.1:" + site.Home.Port], mails.Select(m => m.Subject));
        Assert.Single(mails, m => m.Text!.Contains("/missing.html", StringComparison.Ordinal) && m.Text.Contains($"Referrer: {site.Home.AbsoluteUri}", StringComparison.Ordinal));
        Assert.Single(mails, m => m.Text!.Contains("/logo-missing.png", StringComparison.Ordinal) && m.Text.Contains($"Referrer: {site.Url("/about.html")}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrawlRun_UnknownSite_SaysSoAndFails()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(E2eSettings.Smtp(FreePort.Next()), "crawl", "run", "--site", "nope");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("There is no site 'nope' in Alerts:Sites.", run.StandardError, StringComparison.Ordinal);
    }
}
