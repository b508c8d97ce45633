using System.Globalization;
using System.Net;
using Alerts.Core.Options;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>What an operator sees when starting <c>alerts serve</c>: health endpoints, or a plain refusal.</summary>
public sealed class StartupTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Serve_AnswersHealthzAndReadyz()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        await alerts.StartServeAsync(E2eSettings.Smtp(FreePort.Next()));

        using var live = await alerts.Client.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var ready = await alerts.Client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Serve_WithoutBaseUrl_SaysSoOnceAtStartUp()
    {
        const string notice = "Alerts:BaseUrl is not set";
        await using var alerts = new AlertsProcess(output.WriteLine);
        await alerts.StartServeAsync(E2eSettings.Smtp(FreePort.Next()));

        await Wait.UntilAsync(() => Task.FromResult(alerts.ServeOutput.Contains(notice, StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "the BaseUrl notice");
        using var ready = await alerts.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(1, alerts.ServeOutput.Split(notice).Length - 1);
    }

    [Theory]
    [InlineData("Alerts:BaseUrl")]
    [InlineData("Alerts:DashboardUrl")] // the older name still counts
    public async Task StartupWarnings_WithABaseUrl_SayNothingOfIt(string key)
    {
        await using var app = AlertsApp.CreateServer([$"--{key}=https://alerts.example.com"], Roles.All);

        Assert.DoesNotContain(AlertsApp.StartupWarnings(app.Services, Roles.All), w => w.Contains("BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_UseTlsAndUseSsl_RefusesToStartNamingBothKeys()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next()).With(("Alerts__Email__UseTls", "true"), ("Alerts__Email__UseSsl", "true"));

        var run = await alerts.RunAsync(env, ExitTimeout, "serve", "--urls", LocalUrl());

        Assert.True(run.ExitCode != 0, $"serve started anyway: {run}");
        Assert.Contains("Alerts:Email:UseTls", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("Alerts:Email:UseSsl", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnknownRole_RefusesToStartNamingIt()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(E2eSettings.Smtp(FreePort.Next()), ExitTimeout, "serve", "--roles", "bogus", "--urls", LocalUrl());

        Assert.True(run.ExitCode != 0, $"serve started anyway: {run}");
        Assert.Contains("bogus", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A bad configuration as a user writes it, and the first lines alerts answers with (after "Configuration error:").</summary>
    public static TheoryData<string, string, string> BadConfigurations => new()
    {
        { "Alerts__Email__Backnd", "Console", "  - Alerts:Email:Backnd is not a setting; did you mean Alerts:Email:Backend?" },
        { "Alerts__Admin__0__Email", "ada@example.com", "  - Alerts:Admin is not a setting; did you mean Alerts:Admins?" },
        { "Alerts__Email__Port", "abc", "  - Alerts:Email:Port 'abc' is not a whole number." },
        { "Alerts__Email__Backend", "Filee", "  - Alerts:Email:Backend 'Filee' must be one of Smtp, File, Console; did you mean File?" },
        { "Alerts__Collector__MaxEventByte", "1000", "  - Alerts:Collector:MaxEventByte is not a setting; did you mean Alerts:Collector:MaxEventBytes?" },
        { "Alerts__Retention__Dayz", "7", "  - Alerts:Retention:Dayz is not a setting; did you mean Alerts:Retention:Days?" },
        { "Alerts__Admins__0", "not an address", "  - Alerts:Admins:0:Email 'not an address' is not an e-mail address." },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task Serve_BadConfiguration_ExitsWith2NamingTheKey(string key, string value, string line)
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next()).With((key, value));

        var run = await alerts.RunAsync(env, ExitTimeout, "serve", "--urls", LocalUrl());

        Assert.True(run.ExitCode == 2, $"expected exit code 2: {run}");
        Assert.Equal(["Configuration error:", line], run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(2));
    }

    [Fact]
    public async Task Serve_AdminsInDjangosShape_StartsAndMailsThem_AndWarnsOfNoManagers()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next()).With(("Alerts__Email__Backend", "Console"));
        foreach (var key in env.Keys.Where(k => k.StartsWith("Alerts__Admins__", StringComparison.Ordinal) || k.StartsWith("Alerts__Managers__", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }
        env["Alerts__Admins__0"] = "Ada Admin <ada@example.com>";

        var run = await alerts.RunAsync(env, "sendtestemail", "--admins");
        await alerts.StartServeAsync(env);

        Assert.True(run.ExitCode == 0, $"sendtestemail --admins failed: {run}");
        Assert.Contains("To: Ada Admin <ada@example.com>", run.StandardOutput, StringComparison.Ordinal);
        await Wait.UntilAsync(() => Task.FromResult(alerts.ServeOutput.Contains("Alerts:Managers is empty while Alerts:SendBrokenLinkEmails is on", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the start-up warning about MANAGERS");
        Assert.DoesNotContain("Alerts:Admins is empty", alerts.ServeOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsCatalog_NamesEveryValidatedOptionsClass()
    {
        var registered = new List<OptionsSection>();
        await using var app = AlertsApp.CreateServer([], Roles.All,
            services: s => registered.AddRange(s.Where(d => d.ServiceType == typeof(OptionsSection)).Select(d => (OptionsSection)d.ImplementationInstance!)));

        Assert.True(registered.Count >= 10, $"only {registered.Count} options classes registered");
        Assert.All(registered, r => Assert.Contains(r, SettingsCatalog.Sections));
    }

    [Theory]
    [InlineData("INT", "Applying")] // Ctrl+C during the migrations of a fresh database
    [InlineData("INT", "Now listening on")] // Ctrl+C as soon as it serves: Hangfire has only just started
    [InlineData("TERM", "Now listening on")] // systemctl stop, docker stop
    public async Task Serve_SignalledEarly_StopsQuietlyWithExitCode0(string signal, string when)
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var url = LocalUrl();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        // Started as a terminal starts it, with SIGINT at its default: a CI runner's background job hands its children
        // SIGINT ignored, and .NET, like any Unix program, keeps ignoring a signal it was started with ignored.
        await using var serve = ChildProcess.Start("env", ["--default-signal=INT", dotnet, AlertsProcess.DllPath, "serve", "--urls", url], alerts.WorkingDirectory,
            E2eSettings.Smtp(FreePort.Next()).With(("Logging__LogLevel__Microsoft.Hosting.Lifetime", "Information")));
        await Wait.UntilAsync(() => Task.FromResult(serve.OutputContains(when)), TimeSpan.FromSeconds(60), $"serve to log '{when}'");

        await using (var kill = ChildProcess.Start("kill", [$"-{signal}", serve.Id.ToString(CultureInfo.InvariantCulture)], alerts.WorkingDirectory))
        {
            Assert.True(await kill.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.True(await serve.WaitForExitAsync(ExitTimeout), $"serve did not stop on SIG{signal}: {serve.Report()}");
        var said = serve.StandardOutput + serve.StandardError;
        Assert.True(serve.ExitCode == 0, $"exit code {serve.ExitCode}: {said}");
        Assert.DoesNotContain("Unhandled exception", said, StringComparison.Ordinal);
        Assert.DoesNotContain("non-graceful", said, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithoutKeyRingCertificate_SaysSoOnceInItsOwnWords()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        await alerts.StartServeAsync(E2eSettings.Smtp(FreePort.Next()));

        await Wait.UntilAsync(() => Task.FromResult(alerts.ServeOutput.Contains("key ring (the keys that sign login cookies and mail action links) is stored unencrypted", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the start-up line about the key ring");
        Assert.DoesNotContain("No XML encryptor configured", alerts.ServeOutput, StringComparison.Ordinal);
    }

    private static string LocalUrl() => $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
}
