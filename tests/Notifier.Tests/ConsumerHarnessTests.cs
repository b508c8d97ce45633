using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Alerts.Notifier.Delivery;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.Mail;
using Alerts.Notifier.SelfMonitoring;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests;

/// <summary>The Notifier's consumers on MassTransit's test harness, over a real SQLite file: no HTTP host, no broker.</summary>
public sealed class ConsumerHarnessTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-consumers-").FullName;
    private NotifierDatabase _database = null!;

    private ITestHarness Harness => _database.Services.GetRequiredService<ITestHarness>();

    public async Task InitializeAsync()
    {
        _database = await NotifierDatabase.StartAsync(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(_dir, "alerts.db")}", services =>
        {
            services.AddOptions<MessagingOptions>();
            services.AddOptions<NotifierOptions>();
            services.AddOptions<EmailOptions>().Configure(o => o.FilePath = Path.Combine(_dir, "mail"));
            services.AddSingleton<IMailSender, FileMailSender>();
            services.AddSingleton<ISelfMonitorHandoff, PublishToNotifiers>();
            services.AddSingleton<SelfMonitor>();
            services.AddSingleton<NotificationDelivery>();
            services.AddMassTransitTestHarness(x =>
            {
                x.AddConsumer<EventsAcceptedConsumer, EventsAcceptedConsumerDefinition>();
                x.AddConsumer<NotificationsQueuedConsumer>();
            });
        });
        await Harness.Start();
    }

    public async Task DisposeAsync()
    {
        await Harness.Stop();
        await _database.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task EventsAccepted_IsConsumed_AndPublishesTheFirstOccurrenceMailToSend()
    {
        var ids = await StoreAsync(3);

        await Harness.Bus.Publish(new EventsAccepted(ids));

        Assert.True(await Harness.GetConsumerHarness<EventsAcceptedConsumer>().Consumed.Any<Batch<EventsAccepted>>());
        var queued = Assert.Single(await Harness.Published.SelectAsync<NotificationsQueued>().ToListAsync()).Context.Message;
        var mail = await QueryAsync(db => db.Notifications.SingleAsync());
        Assert.Equal([mail.Id], queued.NotificationIds);
        Assert.Equal(3, (await QueryAsync(db => db.Incidents.SingleAsync())).Count);
    }

    [Fact]
    public async Task EventsAccepted_AlreadyGrouped_IsConsumed_AndPublishesNothing()
    {
        var ids = await StoreAsync(1);
        await _database.Services.GetRequiredService<EventPipeline>().GroupAsync(ids, CancellationToken.None);

        await Harness.Bus.Publish(new EventsAccepted(ids));

        Assert.True(await Harness.GetConsumerHarness<EventsAcceptedConsumer>().Consumed.Any<Batch<EventsAccepted>>());
        Assert.False(await Harness.Published.Any<NotificationsQueued>());
    }

    [Fact]
    public async Task NotificationsQueued_IsConsumed_AndTheMailIsSentAndMarkedSent()
    {
        var ids = await StoreAsync(1);
        var queued = await _database.Services.GetRequiredService<EventPipeline>().GroupAsync(ids, CancellationToken.None);

        await Harness.Bus.Publish(new NotificationsQueued(queued));

        Assert.True(await Harness.GetConsumerHarness<NotificationsQueuedConsumer>().Consumed.Any<NotificationsQueued>());
        Assert.Equal(NotificationStatus.Sent, (await QueryAsync(db => db.Notifications.SingleAsync())).Status);
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "mail"), "*.eml"));
    }

    private Task<List<string>> StoreAsync(int count) => _database.StoreAsync("KeyError", count);

    private Task<T> QueryAsync<T>(Func<AlertsDbContext, Task<T>> query) => _database.QueryAsync(query);
}
