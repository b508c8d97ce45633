using Alerts.Contracts;
using Alerts.Core.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// Group commit for grouping: the messages that arrive within a few milliseconds are grouped in one transaction, so a
/// flood costs a transaction (and its commit) per handful of inbox batches, not one per batch.
/// </summary>
public sealed class EventsAcceptedConsumer(EventPipeline pipeline) : IConsumer<Batch<EventsAccepted>>
{
    public async Task Consume(ConsumeContext<Batch<EventsAccepted>> context)
    {
        var messages = context.Message;
        IReadOnlyList<long> queued;
        try
        {
            queued = await pipeline.GroupAsync([.. messages.SelectMany(m => m.Message.EventIds).Distinct(StringComparer.Ordinal)], context.CancellationToken);
        }
        catch (Exception) when (messages.Length > 1)
        {
            // One bad event fails its whole transaction: then each message is grouped alone, so the others still are.
            queued = await GroupEachAsync(messages, context.CancellationToken);
        }
        if (queued.Count > 0)
            await context.Publish(new NotificationsQueued(queued), context.CancellationToken);
    }

    /// <summary>Groups each message in its own transaction; the first failure is thrown after the rest are grouped, so the bus retries the batch.</summary>
    private async Task<IReadOnlyList<long>> GroupEachAsync(Batch<EventsAccepted> messages, CancellationToken ct)
    {
        var queued = new List<long>();
        Exception? failed = null;
        foreach (var message in messages)
        {
            try { queued.AddRange(await pipeline.GroupAsync(message.Message.EventIds, ct)); }
            catch (Exception ex) { failed ??= ex; }
        }
        if (failed is null) return queued;
        if (queued.Count > 0) await messages[0].Publish(new NotificationsQueued(queued), ct); // grouped: sent even though the batch is retried
        throw failed;
    }
}

public sealed class EventsAcceptedConsumerDefinition : ConsumerDefinition<EventsAcceptedConsumer>
{
    private const int MessageLimit = 16; // bounds a transaction, so the inbox's turn at SQLite's one write lock comes soon

    private readonly int _concurrency;

    public EventsAcceptedConsumerDefinition(IOptions<MessagingOptions> messaging) => _concurrency = messaging.Value.GroupingConcurrency;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EventsAcceptedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
        // The batch options set the endpoint's prefetch and concurrent message limit to what the batches can take. 20 ms,
        // as long as a collector gathers ids for one message: a transaction takes one from each collector, not one message.
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(20))
            .SetConcurrencyLimit(_concurrency));
    }
}
