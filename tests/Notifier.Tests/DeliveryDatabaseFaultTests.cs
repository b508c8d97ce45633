using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Delivery;
using Alerts.Notifier.Mail;
using Alerts.Notifier.SelfMonitoring;
using Alerts.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerts.Notifier.Tests;

/// <summary>
/// Delivery on a real SQLite file that fills up, against a real aiosmtpd, driven as the sweep drives it and with a
/// clock the test moves past the lease. The database has a 1 MiB cap, so SQLite itself answers SQLITE_FULL; what an
/// admin notices is how many mails reach the mailbox.
/// </summary>
public sealed class DeliveryDatabaseFaultTests : IAsyncLifetime
{
    private const int Batch = 14;
    private const int SqliteFull = 13;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-delivery-full-").FullName;
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    private AiosmtpdServer _smtp = null!;
    private ServiceProvider _services = null!;

    private string DatabasePath => Path.Combine(_dir, "alerts.db");

    private NotificationDelivery Delivery => _services.GetRequiredService<NotificationDelivery>();

    public async Task InitializeAsync()
    {
        _smtp = await AiosmtpdServer.StartAsync(startTls: false);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<DatabaseOptions>().Configure(o =>
        {
            o.ConnectionString = $"Data Source={DatabasePath}";
            o.MaxSizeMegabytes = 1;
        });
        services.AddAlertsDatabase(DatabaseProvider.Sqlite);
        services.AddOptions<AlertsOptions>();
        services.AddOptions<NotifierOptions>();
        services.AddOptions<EmailOptions>().Configure(o =>
        {
            o.Host = "127.0.0.1";
            o.Port = _smtp.Port;
            o.TimeoutSeconds = 5;
        });
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<IMailSender, SmtpMailSender>();
        services.AddNotifierSql();
        services.AddSingleton<ISelfMonitorHandoff, NoHandoff>(); // no bus here: self-monitoring events stay stored
        services.AddSingleton<SelfMonitor>();
        services.AddSingleton<ProjectNameStore>();
        services.AddSingleton<IncidentMailContext>(); // no key ring here: mails carry no action links
        services.AddSingleton<NotificationDelivery>();
        _services = services.BuildServiceProvider();

        var factory = _services.GetRequiredService<IDatabaseProvider>();
        await new DatabaseMigrator(factory, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = await factory.CreateDbContextAsync();
        var now = _clock.GetUtcNow().UtcDateTime;
        db.Notifications.AddRange(Enumerable.Range(1, Batch).Select(i => new Notification
        {
            ProjectId = 1,
            IncidentId = i,
            Reason = "reached 10 occurrences",
            Recipients = "ada@example.com",
            Subject = string.Create(CultureInfo.InvariantCulture, $"[Alerts] ERROR: incident {i}"),
            Body = "Traceback ...",
            CreatedAt = now,
            NextAttemptAt = now,
        }));
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Deliver_DatabaseFullAfterFirstSend_StopsAndResendsOnlyTheUnrecordedMail()
    {
        await FillTheDiskOnAsync($"""UPDATE OF "Status" ON "Notifications" WHEN NEW."Status" = {(int)NotificationStatus.Sent}""");

        var full = await Assert.ThrowsAsync<SqliteException>(() => Delivery.SendDueAsync(null, CancellationToken.None));
        Assert.Equal(SqliteFull, full.SqliteErrorCode);
        // The batch stopped at the write that failed: one mail out of fourteen, and nothing recorded.
        Assert.Single(await _smtp.WaitForMailsAsync(1, Timeout));
        Assert.Single(await _smtp.GetDataAttemptsAsync());
        Assert.All(await NotificationsAsync(), n => Assert.Equal(NotificationStatus.Pending, n.Status));

        await FreeTheDiskAsync();
        // The rows are still leased to the delivery that failed, so nothing goes out until the lease runs out.
        Assert.Equal(0, await Delivery.SendDueAsync(null, CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(Batch, await Delivery.SendDueAsync(null, CancellationToken.None));

        var mails = await _smtp.WaitForMailsAsync(Batch + 1, Timeout);
        var rows = await NotificationsAsync();
        Assert.All(rows, n => Assert.Equal(NotificationStatus.Sent, n.Status));
        Assert.Equal(Batch + 1, mails.Count);
        // Each notification went out under its own Message-ID, the first one twice: its resend is recognisable.
        var times = mails.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(rows.Select(MessageId).Order(), times.Keys.Order());
        Assert.Equal(2, times[MessageId(rows[0])]);
        Assert.All(rows.Skip(1), n => Assert.Equal(1, times[MessageId(n)]));
    }

    [Fact]
    public async Task Deliver_DatabaseFullBeforeTheLease_SendsNothingUntilItIsFreed()
    {
        await FillTheDiskOnAsync("""UPDATE OF "LeasedUntil" ON "Notifications" WHEN NEW."LeasedUntil" IS NOT NULL""");

        var full = await Assert.ThrowsAsync<SqliteException>(() => Delivery.SendDueAsync(null, CancellationToken.None));
        Assert.Equal(SqliteFull, full.SqliteErrorCode);
        Assert.Empty(await _smtp.GetDataAttemptsAsync());
        Assert.All(await NotificationsAsync(), n => Assert.Equal((NotificationStatus.Pending, (DateTime?)null), (n.Status, n.LeasedUntil)));

        await FreeTheDiskAsync();
        Assert.Equal(Batch, await Delivery.SendDueAsync(null, CancellationToken.None));

        var mails = await _smtp.WaitForMailsAsync(Batch, Timeout);
        var rows = await NotificationsAsync();
        Assert.All(rows, n => Assert.Equal(NotificationStatus.Sent, n.Status));
        Assert.Equal(rows.Select(MessageId), mails.Select(m => m.MessageId));
    }

    /// <summary>
    /// From now on, the write that <paramref name="when"/> names must also store 2 MiB, more than the 1 MiB cap leaves:
    /// SQLite refuses it with SQLITE_FULL and rolls the statement back, as on a full disk. The test's own connection has no
    /// cap, so it can set this up and take it down.
    /// </summary>
    private Task FillTheDiskOnAsync(string when) => SqliteFileCommands.ExecuteAsync(DatabasePath, $"""
        CREATE TABLE "Ballast" ("Bytes" BLOB);
        CREATE TRIGGER "FillsTheDisk" AFTER {when} BEGIN INSERT INTO "Ballast" VALUES (zeroblob(2097152)); END;
        """);

    private Task FreeTheDiskAsync() => SqliteFileCommands.ExecuteAsync(DatabasePath, """DROP TRIGGER "FillsTheDisk"; DROP TABLE "Ballast";""");

    private async Task<List<Notification>> NotificationsAsync()
    {
        await using var db = await _services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        return await db.Notifications.AsNoTracking().OrderBy(n => n.Id).ToListAsync();
    }

    private static string MessageId(Notification n) => AlertMessageFactory.MessageIdFor(n, new AlertsOptions());

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _smtp.DisposeAsync();
        SqliteConnection.ClearAllPools(); // release the file before it is deleted
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A clock that moves only when the test says: the lease runs out without waiting for it.</summary>
    private sealed class NoHandoff : ISelfMonitorHandoff
    {
        public Task HandOffAsync(string eventId, CancellationToken ct) => Task.CompletedTask;
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
