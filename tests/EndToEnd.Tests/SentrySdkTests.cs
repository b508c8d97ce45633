using System.Globalization;
using System.Text.RegularExpressions;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Sentry.Extensibility;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// Real Sentry SDKs — the .NET SDK from NuGet and @sentry/node from npm — reporting to <c>alerts serve</c> with
/// nothing changed but the DSN, and what the admins get. No envelope here is written by hand.
/// </summary>
/// <remarks>The .NET SDK is process-wide (SentrySdk is static): the tests of this class run one after another.</remarks>
public sealed partial class SentrySdkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(15);

    private MailDevServer mailDev = null!;
    private AlertsProcess alerts = null!;
    private Dictionary<string, string> env = null!;

    /// <summary>What a user pastes into the SDK's settings: the DSN <c>alerts projects add</c> printed.</summary>
    private string dsn = null!;

    public async Task InitializeAsync()
    {
        mailDev = await MailDevServer.StartAsync();
        alerts = new AlertsProcess(output.WriteLine);
        env = E2eSettings.Smtp(mailDev.SmtpPort);
        await alerts.StartServeAsync(env);
        var run = await alerts.RunAsync(env, "projects", "add", "shop-sdk", "--base-url", alerts.BaseAddress.ToString());
        Assert.True(run.ExitCode == 0, $"alerts projects add failed: {run}");
        dsn = DsnLine().Match(run.StandardOutput) is { Success: true } line ? line.Groups["dsn"].Value : throw new InvalidOperationException($"no DSN printed: {run}");
    }

    public async Task DisposeAsync()
    {
        await alerts.DisposeAsync();
        await mailDev.DisposeAsync();
    }

    [Fact]
    public async Task DotnetSdk_CapturedChainedException_OpensOneIncidentAndMailsTheAdminsOnce()
    {
        using (SentrySdk.Init(o =>
        {
            o.Dsn = dsn;
            o.Environment = "production";
            o.Release = "shop@1.4.2";
            o.Debug = true;
            o.DiagnosticLevel = SentryLevel.Warning;
            o.DiagnosticLogger = new TestOutputLogger(output);
        }))
        {
            try
            {
                OrderPricing.PriceOrder(17);
            }
            catch (InvalidOperationException ex)
            {
                SentrySdk.CaptureException(ex);
            }
            await SentrySdk.FlushAsync(FlushTimeout);
        }

        var mail = await SingleMailAboutAsync("System.InvalidOperationException");
        Assert.Contains("Could not price order 17", mail.Subject, StringComparison.Ordinal);
        Assert.Contains(nameof(OrderPricing.PriceOrder), mail.Text, StringComparison.Ordinal);
        var incident = await SingleIncidentAsync();
        Assert.Equal("System.InvalidOperationException: Could not price order 17", incident.Title);
        Assert.Equal(1, incident.Count);
    }

    [Fact]
    public async Task AspNetCoreAppWithSentry_UnhandledException_MailsTheAdminsOnceWithTheUrl()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Logging.ClearProviders();
        builder.WebHost.UseSentry(o =>
        {
            o.Dsn = dsn;
            o.Environment = "production";
            o.Release = "shop-web@3.0.0";
            o.Debug = true;
            o.DiagnosticLevel = SentryLevel.Warning;
            o.DiagnosticLogger = new TestOutputLogger(output);
        });
        await using (var app = builder.Build())
        {
            app.MapGet("/orders/{id:int}", (int id) => OrderPricing.AveragePrice(id, items: 0));
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

            using var response = await client.GetAsync(new Uri("/orders/17", UriKind.Relative));

            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
            await SentrySdk.FlushAsync(FlushTimeout);
            await app.StopAsync();
        }

        var mail = await SingleMailAboutAsync("System.DivideByZeroException");
        // The subject names the route the SDK sends as the transaction, the body the URL requested.
        Assert.Contains("/orders/{id:int}", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("/orders/17", mail.Text, StringComparison.Ordinal);
        Assert.Contains(nameof(OrderPricing.AveragePrice), mail.Text, StringComparison.Ordinal);
        var incident = await SingleIncidentAsync();
        Assert.Equal("System.DivideByZeroException: Attempted to divide by zero.", incident.Title);
        Assert.Equal(1, incident.Count);
    }

    [Fact]
    public async Task NodeSdk_ErrorInARequestHandler_OpensOneIncidentAndMailsTheAdminsOnce()
    {
        await NodeScript.RunAsync("report.cjs", dsn);

        var mail = await SingleMailAboutAsync("TypeError");
        Assert.Contains("Cannot read properties of undefined (reading 'reduce')", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("/cart/checkout?coupon=SPRING", mail.Text, StringComparison.Ordinal);
        Assert.Contains("cartTotal", mail.Text, StringComparison.Ordinal);
        var incident = await SingleIncidentAsync();
        Assert.Equal("TypeError: Cannot read properties of undefined (reading 'reduce')", incident.Title);
        Assert.Equal(1, incident.Count);
    }

    /// <summary>The one mail the SDK's report caused: to every admin, naming <paramref name="exceptionType"/>.</summary>
    private async Task<ReceivedMail> SingleMailAboutAsync(string exceptionType)
    {
        await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout);
        var mail = Assert.Single(await mailDev.MailsBeforeSentinelAsync(alerts.Client));
        Assert.StartsWith(E2eSettings.Prefix, mail.Subject, StringComparison.Ordinal);
        Assert.Contains(exceptionType, mail.Subject, StringComparison.Ordinal);
        Assert.Equal(E2eSettings.Admins.Order(), mail.To.Order());
        return mail;
    }

    /// <summary>The one incident besides the sentinel's, as the JSON API lists it.</summary>
    private async Task<IncidentRow> SingleIncidentAsync()
    {
        var token = await alerts.CreateTokenAsync(env);
        var incidents = await alerts.Client.WaitForIncidentsAsync(token, seen => seen.Count >= 2, "the SDK's incident and the sentinel's", Mailboxes.MailTimeout);
        return Assert.Single(incidents, i => !i.Title.StartsWith("SentinelError", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^DSN: (?<dsn>\S+)$", RegexOptions.Multiline)]
    private static partial Regex DsnLine();

    /// <summary>The app code the SDKs report on.</summary>
    private static class OrderPricing
    {
        public static decimal PriceOrder(int orderId)
        {
            try
            {
                return AveragePrice(orderId, items: 0);
            }
            catch (DivideByZeroException ex)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Could not price order {orderId}"), ex);
            }
        }

        // Not inlined, so the frame the mail must name exists in Release builds too.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int AveragePrice(int orderId, int items) => orderId * 100 / items;
    }

    /// <summary>The SDK's own warnings in the test output, so a refused report shows why.</summary>
    private sealed class TestOutputLogger(ITestOutputHelper output) : IDiagnosticLogger
    {
        public bool IsEnabled(SentryLevel level) => level >= SentryLevel.Warning;

        public void Log(SentryLevel logLevel, string message, Exception? exception = null, params object?[] args)
        {
            try
            {
                output.WriteLine($"sentry {logLevel}: {string.Format(CultureInfo.InvariantCulture, message, args)} {exception}");
            }
            catch (InvalidOperationException)
            {
                // The SDK may log after the test has finished; there is nowhere to write then.
            }
        }
    }
}
