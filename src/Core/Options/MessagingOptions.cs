namespace Alerts.Core.Options;

public enum MessagingTransport { InMemory, RabbitMq }

/// <summary>The <c>Alerts:Messaging</c> section; the broker is <c>ConnectionStrings:RabbitMq</c>.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Alerts:Messaging";
    public const string ConnectionStringName = "RabbitMq";

    public MessagingTransport Transport { get; set; } = MessagingTransport.InMemory;

    /// <summary>Bound from <c>ConnectionStrings:RabbitMq</c>.</summary>
    public string RabbitMqUri { get; set; } = "";

    /// <summary>
    /// Grouping transactions one notifier runs at once; messages that wait meanwhile are grouped together. One by default,
    /// also on PostgreSQL: a flood of one error is one incident row, and transactions run side by side only queue on its
    /// lock (a convoy), while one at a time folds the waiting messages into one larger transaction.
    /// </summary>
    public int GroupingConcurrency { get; set; } = 1;

    internal static IEnumerable<string> Validate(MessagingOptions o)
    {
        if (!Enum.IsDefined(o.Transport))
            yield return "Alerts:Messaging:Transport must be InMemory or RabbitMq.";
        if (o.Transport == MessagingTransport.RabbitMq)
        {
            if (!Uri.TryCreate(o.RabbitMqUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
                yield return "ConnectionStrings:RabbitMq must be an AMQP URI (amqp://user:pass@host:5672/vhost) with Alerts:Messaging:Transport=RabbitMq.";
        }
        if (o.GroupingConcurrency is < 1 or > 64)
            yield return "Alerts:Messaging:GroupingConcurrency must be between 1 and 64.";
    }
}
