using System.Globalization;
using System.Net;
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

    private static string LocalUrl() => $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
}
