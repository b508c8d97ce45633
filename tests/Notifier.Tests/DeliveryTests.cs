using System.Globalization;
using System.Net;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Tests;

/// <summary>
/// The outbox against a real aiosmtpd whose answer to DATA is scripted: what the user notices is whether the
/// mail arrived (once) and what the notification log says (status, attempts, the server's reply).
/// </summary>
[Collection(nameof(DeliveryTests))]
public class DeliveryTests
{
    private const string Rejected = "550 5.7.1 Rejected by policy";
    private const string TryLater = "451 4.3.0 Try again later";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Send_ServerAnswers550_MarksFailedWithTheReplyAndNeverRetries()
    {
        // The first message is refused for good; the next one is deferred twice, so the notifier has to come
        // back for it in two later sweeps, and those sweeps would have retried the refused one too.
        await using var smtp = await AiosmtpdServer.StartAsync([new DataReplyStep(Rejected, 1), new DataReplyStep(TryLater, 2)], startTls: false);
        await using var app = await AlertsTestApp.StartAsync(Settings(smtp.Port));

        await PostAsync(app, SampleEvents.Error());
        var refused = (await UntilNotificationsAsync(app, all => all is [{ Status: NotificationStatus.Failed }], "the refused mail to be marked failed"))[0];
        Assert.Contains("550", refused.LastResult, StringComparison.Ordinal);
        Assert.Equal(1, refused.Attempts);

        await PostAsync(app, SampleEvents.Error(type: "KeyError", value: "'sku'", path: "/cart"));
        var all = await UntilNotificationsAsync(
            app, all => all is [_, { Status: NotificationStatus.Sent }], "the deferred mail to be sent after two retries");
        Assert.Equal(3, all[1].Attempts);

        refused = all[0];
        Assert.Equal(NotificationStatus.Failed, refused.Status);
        Assert.Equal(1, refused.Attempts);
        Assert.Contains("550", refused.LastResult, StringComparison.Ordinal);
        Assert.Equal([550], (await smtp.GetDataAttemptsAsync()).Where(a => IsFor(a, refused)).Select(a => a.Code));
        var mail = Assert.Single(await smtp.GetMailsAsync());
        Assert.Contains("KeyError", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ServerAnswers451Twice_RetriesAndDeliversExactlyOnce()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, dataReply: TryLater, replyTimes: 2);
        await using var app = await AlertsTestApp.StartAsync(Settings(smtp.Port));

        await PostAsync(app, SampleEvents.Error());
        var sent = (await UntilNotificationsAsync(app, all => all is [{ Status: NotificationStatus.Sent }], "the mail to be sent"))[0];

        Assert.Equal(3, sent.Attempts);
        Assert.NotNull(sent.SentAt);
        Assert.Equal([451, 451, 250], (await smtp.GetDataAttemptsAsync()).Select(a => a.Code));
        var mail = Assert.Single(await smtp.GetMailsAsync());
        Assert.Contains("ZeroDivisionError: division by zero", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], mail.To);
    }

    [Fact]
    public async Task Send_ServerDownAtFirstThenUp_DeliversExactlyOnceWhenItComesBack()
    {
        var port = FreePort.Next();
        await using var app = await AlertsTestApp.StartAsync(Settings(port));

        await PostAsync(app, SampleEvents.Error());
        var failed = (await UntilNotificationsAsync(
            app,
            all => all is [{ Status: NotificationStatus.Pending, Attempts: >= 1, LastResult: { } result }]
                && result.Contains("Could not connect", StringComparison.Ordinal),
            "the first attempt to fail to connect"))[0];
        Assert.Contains($"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", failed.LastResult, StringComparison.Ordinal);

        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, port: port);
        var sent = (await UntilNotificationsAsync(app, all => all is [{ Status: NotificationStatus.Sent }], "the mail to be sent once the server is up"))[0];

        Assert.True(sent.Attempts >= 2, $"Attempts: {sent.Attempts}");
        Assert.Single(await smtp.GetDataAttemptsAsync());
        var mail = Assert.Single(await smtp.GetMailsAsync());
        Assert.Contains("ZeroDivisionError: division by zero", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_WithTwoMailsPending_ResumesAndSendsBothOverOneConnection()
    {
        var port = FreePort.Next();
        var dataDir = Directory.CreateTempSubdirectory("alerts-delivery-").FullName;
        var database = new Dictionary<string, string> { ["ConnectionStrings:Alerts"] = $"Data Source={Path.Combine(dataDir, "alerts.db")}" };
        try
        {
            DateTime due;
            // First run: the server is down, and the first retry is 5 s away, so every sweep of this run finds
            // nothing due: stopping it cannot interrupt a send and leave a row leased.
            await using (var first = await AlertsTestApp.StartAsync(Settings(port, retryBaseSeconds: 5, extra: database)))
            {
                await PostAsync(first, SampleEvents.Error());
                await PostAsync(first, SampleEvents.Error(type: "KeyError", value: "'sku'", path: "/cart"));
                var pending = await UntilNotificationsAsync(
                    first,
                    all => all is [_, _] && all.All(n => n is { Status: NotificationStatus.Pending, Attempts: 1, LeasedUntil: null }),
                    "both mails to fail their first attempt");
                due = pending.Max(n => n.NextAttemptAt);
                Assert.True(due > DateTime.UtcNow, $"The retries were already due at {due:O} before the first run stopped.");
            }

            // Both are due before the next start, so its first sweep leases them as one batch.
            await Wait.UntilAsync(() => Task.FromResult(DateTime.UtcNow > due), Timeout, "both retries to be due");
            await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, port: port);
            await using var second = await AlertsTestApp.StartAsync(Settings(port, extra: database));

            var sent = await UntilNotificationsAsync(
                second, all => all is [_, _] && all.All(n => n.Status == NotificationStatus.Sent), "both mails to be sent after the restart");
            Assert.All(sent, n => Assert.Equal(2, n.Attempts));
            var mails = await smtp.GetMailsAsync();
            Assert.Equal(2, mails.Count);
            Assert.Single(mails.Select(m => m.Headers["X-Peer"]).Distinct());
            var attempts = await smtp.GetDataAttemptsAsync();
            Assert.Equal([250, 250], attempts.Select(a => a.Code));
            Assert.Single(attempts.Select(a => a.Peer).Distinct());
        }
        finally
        {
            TryDelete(dataDir);
        }
    }

    private static Dictionary<string, string> Settings(int smtpPort, int retryBaseSeconds = 1, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Alerts:Email:UseTls"] = "false",
            ["Alerts:Email:TimeoutSeconds"] = "5",
            ["Alerts:Notifier:SweepIntervalSeconds"] = "1",
            ["Alerts:Notifier:RetryBaseSeconds"] = retryBaseSeconds.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task PostAsync(AlertsTestApp app, string json)
    {
        using var request = AlertsTestApp.EventRequest(json);
        using var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// Polls the test project's notification log (oldest first; Alerts' own self-monitoring mails are another
    /// project's) until <paramref name="done"/> holds; a timeout shows the last state seen.
    /// </summary>
    private static async Task<List<Notification>> UntilNotificationsAsync(AlertsTestApp app, Func<List<Notification>, bool> done, string what)
    {
        List<Notification> last = [];
        try
        {
            return await Wait.UntilAsync(
                async () =>
                {
                    last = await app.QueryAsync(db => db.Notifications.AsNoTracking()
                        .Where(n => n.ProjectId == AlertsTestApp.ProjectId).OrderBy(n => n.Id).ToListAsync());
                    return done(last) ? last : null;
                },
                Timeout,
                what);
        }
        catch (TimeoutException ex)
        {
            var seen = last.Count == 0
                ? "no notification"
                : string.Join("; ", last.Select(n => $"#{n.Id} {n.Status} after {n.Attempts} attempt(s): {n.LastResult}"));
            throw new TimeoutException($"{ex.Message} (notification log: {seen})", ex);
        }
    }

    // The app runs with the default ServerEmail, whose domain is in every Message-ID.
    private static bool IsFor(SmtpDataAttempt attempt, Notification notification) =>
        attempt.MessageId == $"<{AlertMessageFactory.MessageIdFor(notification, new AlertsOptions())}>";

    private static void TryDelete(string directory)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open must not fail the test.
        }
    }
}

/// <summary>
/// DeliveryTests count retries, which the notifier's sweep makes. The sweep is a Hangfire job, and Hangfire
/// keeps its job storage and job activator in process-wide statics (<c>JobStorage.Current</c>,
/// <c>JobActivator.Current</c>): an app started in parallel by another test class can take over this app's
/// sweep. So these tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(DeliveryTests), DisableParallelization = true)]
public sealed class DeliveryTestsRunAlone;
