using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// The events waiting to be posted: a bounded channel, so a collector that is slow or down costs at most
/// <see cref="Capacity"/> events of memory. When it is full the oldest event is dropped and counted: the newest
/// say most about what is going on now. The counters are for health checks and metrics.
/// </summary>
public sealed class AlertsEventBuffer
{
    private readonly Channel<PendingEvent> channel;
    private long reported;
    private long dropped;
    private long sent;
    private long failed;
    private long sendErrors;

    public AlertsEventBuffer(IOptions<AlertsClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = options.Value.QueueCapacity;
        channel = Channel.CreateBounded<PendingEvent>(
            new BoundedChannelOptions(Capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref dropped));
    }

    /// <summary>Most events held.</summary>
    public int Capacity { get; }

    /// <summary>Events held now (the one the sender is posting not included).</summary>
    public int Count => channel.Reader.Count;

    /// <summary>Events the app reported (errors and broken links), whatever became of them.</summary>
    public long Reported => Interlocked.Read(ref reported);

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Events the collector accepted.</summary>
    public long Sent => Interlocked.Read(ref sent);

    /// <summary>Events given up: refused by the collector (4xx) or failed <see cref="AlertsClientOptions.MaxAttempts"/> times.</summary>
    public long Failed => Interlocked.Read(ref failed);

    /// <summary>Posts that failed (no connection, timeout, 5xx, 429): how long the collector has been unreachable, in attempts.</summary>
    public long SendErrors => Interlocked.Read(ref sendErrors);

    internal ChannelReader<PendingEvent> Reader => channel.Reader;

    /// <summary>Never blocks: with a full queue the oldest event makes room.</summary>
    internal void Enqueue(PendingEvent e)
    {
        Interlocked.Increment(ref reported);
        channel.Writer.TryWrite(e);
    }

    internal void RecordSent() => Interlocked.Increment(ref sent);

    internal void RecordFailed() => Interlocked.Increment(ref failed);

    internal void RecordSendError() => Interlocked.Increment(ref sendErrors);
}

/// <summary>An event on its way. The exception is kept as it is and mapped to frames on the sender's thread.</summary>
internal sealed class PendingEvent(NativeEvent payload, Exception? exception = null)
{
    public NativeEvent Payload { get; } = payload;
    public Exception? Exception { get; } = exception;
}
