using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.Clients.Tests;

/// <summary>
/// clients/django with Debian's Django (<c>python3-django</c>, for <c>/usr/bin/python3</c>; scripts/test.sh installs it):
/// a small Django project reporting to a real Alerts host, and the package's own unit tests.
/// </summary>
public sealed class DjangoClientTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    private static string ClientDirectory => Path.Combine(RepoPaths.Root, "clients", "django");

    [Fact]
    public async Task DjangoProject_ErrorAndBrokenInternalLink_MailAdminsAndManagers()
    {
        await using var mailed = await MailedAlerts.StartAsync();
        var alerts = mailed.App;

        var run = await RunPythonAsync(
            new Dictionary<string, string> { ["ALERTS_DSN"] = ShopHost.Dsn(alerts.BaseAddress.Port) },
            Path.Combine("tests", "run.py"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("GET /orders/17/ -> 500", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("sent=2 dropped=0 failed=0", run.StandardOutput, StringComparison.Ordinal);
        var error = await mailed.MailAsync(m => m.Subject.StartsWith("[Alerts] ERROR", StringComparison.Ordinal), "the error mail to ADMINS");
        Assert.Equal(["ada@example.com"], error.To);
        Assert.Contains("Internal Server Error: /orders/17/ (ZeroDivisionError: division by zero)", error.Subject, StringComparison.Ordinal);
        Assert.Contains("testproject/views.py", error.Text, StringComparison.Ordinal);
        var broken = await mailed.MailAsync(m => m.Subject.Contains("Broken", StringComparison.Ordinal), "the broken-link mail to MANAGERS");
        Assert.Equal("[Alerts] Broken INTERNAL link on testserver", broken.Subject);
        Assert.Equal(["max@example.com"], broken.To);
        Assert.Contains("Referrer: http://testserver/", broken.Text, StringComparison.Ordinal);
        Assert.Contains("Requested URL: http://testserver/catalogue/winter-2019/", broken.Text, StringComparison.Ordinal);
        Assert.Equal(2, (await mailed.Smtp.GetMailsAsync()).Count);
    }

    [Fact]
    public async Task DjangoPackage_UnitTests_Pass()
    {
        var run = await RunPythonAsync(new Dictionary<string, string>(), "-m", "unittest", "discover", "-s", "tests", "-v");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"Ran [1-9]\d* tests", run.StandardError);
        Assert.Contains("\nOK", run.StandardError, StringComparison.Ordinal);
    }

    private async Task<AlertsRun> RunPythonAsync(Dictionary<string, string> env, params string[] args)
    {
        env["PYTHONDONTWRITEBYTECODE"] = "1";
        env["PYTHONUNBUFFERED"] = "1";
        await using var child = ChildProcess.Start(Python, args, ClientDirectory, env);
        if (!await child.WaitForExitAsync(RunTimeout))
            throw new TimeoutException($"{Python} {string.Join(' ', args)} did not exit within {RunTimeout}.{Environment.NewLine}{child.Report()}");
        var run = new AlertsRun(child.ExitCode, child.StandardOutput, child.StandardError);
        output.WriteLine(run.ToString());
        if (run.StandardError.Contains("No module named 'django'", StringComparison.Ordinal))
            Assert.Fail($"Debian's python3-django is not installed for {Python}: run scripts/test.sh.{Environment.NewLine}{run}");
        return run;
    }

}
