using Alerts.Contracts;
using Alerts.Core.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

public sealed class EventsAcceptedConsumer(IncidentGrouper grouper) : IConsumer<EventsAccepted>
{
    public async Task Consume(ConsumeContext<EventsAccepted> context)
    {
        var queued = await grouper.GroupAsync(context.Message.EventIds, context.CancellationToken);
        if (queued.Count > 0)
            await context.Publish(new NotificationsQueued(queued), context.CancellationToken);
    }
}

public sealed class EventsAcceptedConsumerDefinition : ConsumerDefinition<EventsAcceptedConsumer>
{
    private readonly int _concurrency;

    public EventsAcceptedConsumerDefinition(IOptions<MessagingOptions> messaging, IOptions<DatabaseOptions> database)
    {
        // SQLite has one writer: parallel grouping would only wait on its lock.
        _concurrency = messaging.Value.GroupingConcurrency ?? (database.Value.Provider == DatabaseProvider.Sqlite ? 1 : 8);
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EventsAcceptedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
        endpointConfigurator.PrefetchCount = Math.Max(16, _concurrency * 2);
    }
}
