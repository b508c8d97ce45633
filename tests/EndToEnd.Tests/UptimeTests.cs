using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Alerts.Core.Monitors;
using Alerts.Notifier.Monitors;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CheckInStatus = Alerts.Core.Monitors.CheckInStatus;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// Uptime checks end to end: Kestrel targets started here (plain HTTP, and TLS with a certificate made here), the
/// due-check run as the recurring job runs it at a <see cref="FakeTimeProvider"/>'s time, mail to aiosmtpd.
/// </summary>
public sealed class UptimeTests : IAsyncLifetime
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(20);

    private enum Answer { Ok, Error, Slow }

    // Real time, so the TLS handshake and the rule agree on the certificate's days left.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    // 4.5 days from the clock's start, said as "5 days" (the rule counts a started day): away from a whole day, so the
    // certificate's whole seconds and the moments between the clock's start and the check cannot tip the count.
    private readonly X509Certificate2 _certificate;
    private volatile Answer _answer = Answer.Ok;
    private WebApplication _target = null!;
    private int _httpPort;
    private int _httpsPort;
    private AiosmtpdServer _smtp = null!;
    private AlertsTestApp _app = null!;

    public UptimeTests() => _certificate = ExpiringCertificate(_clock.GetUtcNow(), TimeSpan.FromDays(4.5));

    public async Task InitializeAsync()
    {
        _httpPort = FreePort.Next();
        _httpsPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, _httpPort);
            k.Listen(IPAddress.Loopback, _httpsPort, l => l.UseHttps(_certificate));
        });
        _target = builder.Build();
        _target.MapGet("/health", async (HttpContext context) =>
        {
            switch (_answer)
            {
                case Answer.Error:
                    return Results.Problem(statusCode: 500);
                case Answer.Slow:
                    // Past the check's 1 s timeout; ends when the client gives up.
                    try { await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); }
                    catch (OperationCanceledException) { }
                    return Results.Text("late");
                default:
                    return Results.Text("status: all good");
            }
        });
        await _target.StartAsync();

        _smtp = await AiosmtpdServer.StartAsync(startTls: false, requireStartTls: false);
        var trust = new UptimeTrust();
        trust.Roots.Add(X509CertificateLoader.LoadCertificate(_certificate.RawData));
        _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = _smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Alerts:DashboardUrl"] = "http://alerts.example.com",
            ["Alerts:Monitors:AllowPrivateTargets"] = "true", // the targets are on loopback
            ["Alerts:Monitors:Uptime:0:Project"] = "1",
            ["Alerts:Monitors:Uptime:0:Slug"] = "website",
            ["Alerts:Monitors:Uptime:0:Url"] = $"http://user:s3cret@127.0.0.1:{_httpPort}/health",
            ["Alerts:Monitors:Uptime:0:IntervalSeconds"] = "30",
            ["Alerts:Monitors:Uptime:0:TimeoutSeconds"] = "1",
            ["Alerts:Monitors:Uptime:0:Keyword"] = "all good",
            ["Alerts:Monitors:Uptime:1:Project"] = "1",
            ["Alerts:Monitors:Uptime:1:Slug"] = "tls-site",
            ["Alerts:Monitors:Uptime:1:Url"] = $"https://127.0.0.1:{_httpsPort}/health",
            ["Alerts:Monitors:Uptime:1:IntervalSeconds"] = "3600",
            ["Alerts:Monitors:Uptime:1:FailureIssueThreshold"] = "1",
        }, services: s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton(trust);
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _smtp.DisposeAsync();
        await _target.DisposeAsync();
        _certificate.Dispose();
    }

    /// <summary>A self-signed certificate for 127.0.0.1 that expires <paramref name="left"/> after <paramref name="now"/>.</summary>
    private static X509Certificate2 ExpiringCertificate(DateTimeOffset now, TimeSpan left)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(now.AddDays(-1), now + left);
        // Kestrel on Linux wants the key in a form it can export: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Keeps the app's own recurring due-check from requesting them while a test looks at their runs.</summary>
    private async Task PauseTheChecksAsync()
    {
        var catalog = _app.Services.GetRequiredService<MonitorCatalog>();
        foreach (var slug in new[] { "website", "tls-site" })
            Assert.True(await catalog.SetPausedAsync((await MonitorAsync(slug))!.Id, true, CancellationToken.None));
        await _app.QueryAsync(db => db.MonitorCheckIns.ExecuteDeleteAsync()); // a tick may have come first
    }

    private Task<CronMonitor?> MonitorAsync(string slug) =>
        _app.Services.GetRequiredService<MonitorCatalog>().FindAsync(AlertsTestApp.ProjectId, slug, CancellationToken.None);

    private async Task DueCheckAsync()
    {
        using var scope = _app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<MonitorDueCheckJob>().RunAsync(CancellationToken.None);
    }

    private async Task<List<MonitorCheckIn>> RunsAsync(long monitorId) =>
        await _app.QueryAsync(db => db.MonitorCheckIns.Where(c => c.MonitorId == monitorId).OrderBy(c => c.Id).ToListAsync());

    [Fact]
    public async Task Ok_Error_Timeout_Ok_OpensOneIncidentAfterTwoFailures_MailsOnce_AndRecoversInTheThread()
    {
        var website = (await MonitorAsync("website"))!;
        Assert.Equal(MonitorKind.Uptime, website.Kind);
        Assert.True(await _app.Services.GetRequiredService<MonitorCatalog>().SetPausedAsync((await MonitorAsync("tls-site"))!.Id, true, CancellationToken.None));
        Assert.DoesNotContain("s3cret", website.ScheduleText, StringComparison.Ordinal);

        // Due at once: 200 with the keyword is up.
        await DueCheckAsync();
        Assert.Equal(MonitorState.Up, (await MonitorAsync("website"))!.State);

        // 500: one failure is not yet an incident.
        _answer = Answer.Error;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await DueCheckAsync();
        Assert.Equal(MonitorState.Late, (await MonitorAsync("website"))!.State);
        await DueCheckAsync(); // not due again before its interval: nothing is requested
        Assert.Equal(2, (await RunsAsync(website.Id)).Count);

        // No answer within the timeout: the second failure in a row opens the incident, one mail to the admins.
        _answer = Answer.Slow;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await DueCheckAsync();
        Assert.Equal(MonitorState.Down, (await MonitorAsync("website"))!.State);
        var down = Assert.Single(await _smtp.WaitForMailsAsync(1, MailTimeout));
        Assert.Contains("MONITOR DOWN: Monitor website is down: timed out after 1 s", down.Subject, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], down.To);
        Assert.DoesNotContain("s3cret", down.Text, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{_httpPort}/health", down.Text, StringComparison.Ordinal);

        // Still failing: no second mail.
        _answer = Answer.Error;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await DueCheckAsync();

        // Up again: one recovered mail, in the down mail's thread.
        _answer = Answer.Ok;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await DueCheckAsync();
        var mails = await _smtp.WaitForMailsAsync(2, MailTimeout);
        Assert.Contains("RECOVERED: Monitor website recovered", mails[1].Subject, StringComparison.Ordinal);
        Assert.Contains(down.MessageId.Trim('<', '>'), mails[1].Headers["In-Reply-To"], StringComparison.Ordinal);
        Assert.Equal(MonitorState.Up, (await MonitorAsync("website"))!.State);

        var runs = await RunsAsync(website.Id);
        Assert.Equal([CheckInStatus.Ok, CheckInStatus.Error, CheckInStatus.Error, CheckInStatus.Error, CheckInStatus.Ok], runs.Select(r => r.Status));
        Assert.Equal("status 500, expected 200-399", runs[1].Log);
        Assert.All(runs, r => Assert.NotNull(r.DurationSeconds));
        Assert.InRange(runs[2].DurationSeconds!.Value, 0.9, 10); // the timed-out request took about its timeout
        Assert.Equal(1, await _app.QueryAsync(db => db.Incidents.CountAsync()));
        Assert.Equal(2, (await _smtp.GetMailsAsync()).Count);
    }

    [Theory]
    [InlineData("/ping/" + AlertsTestApp.ProjectKey + "/website")]
    [InlineData("/ping/" + AlertsTestApp.ProjectKey + "/website/fail")]
    [InlineData("/api/1/cron/website/" + AlertsTestApp.ProjectKey + "/?status=ok")]
    public async Task CheckIns_ForAnUptimeCheck_AreRefused_AndChangeNothing(string path)
    {
        await PauseTheChecksAsync();
        using var response = await _app.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var website = (await MonitorAsync("website"))!;
        Assert.Equal(MonitorKind.Uptime, website.Kind);
        Assert.Empty(await RunsAsync(website.Id));
    }

    [Fact]
    public async Task SentryCheckInWithAConfig_ForAnUptimeCheck_DoesNotTurnItIntoACronMonitor()
    {
        await PauseTheChecksAsync();
        var dsn = $"http://{AlertsTestApp.ProjectKey}@{_app.BaseAddress.Authority}/{AlertsTestApp.ProjectId}";
        using var client = new SentryClient(new SentryOptions { Dsn = dsn });
        client.CaptureCheckIn("website", Sentry.CheckInStatus.Ok, configureMonitorOptions: o => o.Interval(1, SentryMonitorInterval.Hour));
        await client.FlushAsync(TimeSpan.FromSeconds(15));

        var website = (await MonitorAsync("website"))!;
        Assert.Equal(MonitorKind.Uptime, website.Kind);
        Assert.Equal($"http://user:s3cret@127.0.0.1:{_httpPort}/health", website.Uptime!.Url);
        Assert.Empty(await RunsAsync(website.Id));
    }

    [Fact]
    public async Task TlsCertificateExpiringInFiveDays_IsReportedAsDown()
    {
        await DueCheckAsync();
        var tls = (await MonitorAsync("tls-site"))!;
        Assert.Equal(MonitorState.Down, tls.State);
        var run = Assert.Single(await RunsAsync(tls.Id));
        Assert.Equal("certificate expires in 5 days", run.Log);
        var mail = (await _smtp.WaitForMailsAsync(1, MailTimeout)).Single(m => m.Subject.Contains("tls-site", StringComparison.Ordinal));
        Assert.Contains("certificate expires in 5 days", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateTarget_IsRefusedAtConnect_WhenPrivateTargetsAreOff()
    {
        var probe = new UptimeProbe(Options.Create(new MonitorsOptions { AllowPrivateTargets = false }),
            _app.Services.GetRequiredService<IHostEnvironment>(), new UptimeTrust());
        var target = new UptimeTarget { Url = $"http://127.0.0.1:{_httpPort}/health", TimeoutSeconds = 5 };
        var refused = await probe.ProbeAsync(target, CancellationToken.None);
        Assert.Null(refused.Status);
        Assert.StartsWith("refused: the host resolves to private addresses", refused.Error, StringComparison.Ordinal);
        Assert.False(UptimeRule.Evaluate(target, refused, _clock.GetUtcNow().UtcDateTime).Up);

        // The same target with private targets allowed answers: the refusal was the guard, not the server.
        var allowed = new UptimeProbe(Options.Create(new MonitorsOptions { AllowPrivateTargets = true }),
            _app.Services.GetRequiredService<IHostEnvironment>(), new UptimeTrust());
        Assert.Equal(200, (await allowed.ProbeAsync(target, CancellationToken.None)).Status);
    }
}
