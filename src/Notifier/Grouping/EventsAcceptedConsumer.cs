using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

public sealed class EventsAcceptedConsumer(GroupingBatcher grouping) : IConsumer<EventsAccepted>
{
    public async Task Consume(ConsumeContext<EventsAccepted> context)
    {
        var queued = await grouping.GroupAsync(context.Message.EventIds, context.CancellationToken);
        if (queued.Count > 0)
            await context.Publish(new NotificationsQueued(queued), context.CancellationToken);
    }
}

public sealed class EventsAcceptedConsumerDefinition : ConsumerDefinition<EventsAcceptedConsumer>
{
    private readonly int _messageLimit;

    public EventsAcceptedConsumerDefinition(IOptions<MessagingOptions> messaging, IDatabaseProvider database)
    {
        // More messages than grouping transactions: those that wait in the GroupingBatcher are grouped together.
        _messageLimit = Math.Max(16, messaging.Value.GroupingConcurrencyOn(database.OneWriter) * 4);
        ConcurrentMessageLimit = _messageLimit;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EventsAcceptedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
        endpointConfigurator.PrefetchCount = _messageLimit * 2;
    }
}
