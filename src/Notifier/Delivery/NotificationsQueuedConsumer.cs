using Alerts.Contracts;
using MassTransit;

namespace Alerts.Notifier.Delivery;

public sealed class NotificationsQueuedConsumer(NotificationDelivery delivery) : IConsumer<NotificationsQueued>
{
    public Task Consume(ConsumeContext<NotificationsQueued> context) =>
        delivery.SendDueAsync(context.Message.NotificationIds, context.CancellationToken);
}
