using System.Threading.Channels;
using Alerts.Core.Data;
using Alerts.Core.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Grouping;

/// <summary>
/// Group commit for grouping: the messages that arrive while a grouping transaction runs are folded together in the
/// next one, so a flood costs a transaction (and its commit) per handful of inbox batches, not one per batch.
/// <c>Alerts:Messaging:GroupingConcurrency</c> transactions run at once (by default 1 on a database that takes one writer).
/// </summary>
public sealed class GroupingBatcher : BackgroundService
{
    private const int MaxEvents = 1000; // bounds a transaction, so the inbox's turn at SQLite's one write lock comes soon

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(); // bounded by the consumer's message limit
    private readonly EventPipeline _pipeline;
    private readonly int _concurrency;

    public GroupingBatcher(EventPipeline pipeline, IOptions<MessagingOptions> messaging, IDatabaseProvider database)
    {
        _pipeline = pipeline;
        _concurrency = messaging.Value.GroupingConcurrencyOn(database.OneWriter);
    }

    /// <summary>Groups the events, together with whatever else is waiting; returns the ids of notifications to send.</summary>
    public Task<IReadOnlyList<long>> GroupAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        var pending = new Pending(eventIds, new TaskCompletionSource<IReadOnlyList<long>>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("Grouping has stopped.");
        return pending.Grouped.Task.WaitAsync(ct);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete(); // the bus stopped first (registered later): finish what its consumers handed in
        await base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _concurrency).Select(_ => Task.Run(GroupLoopAsync, CancellationToken.None)));

    private async Task GroupLoopAsync()
    {
        var batch = new List<Pending>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            for (var events = 0; events < MaxEvents && _queue.Reader.TryRead(out var p); events += p.EventIds.Count) batch.Add(p);
            if (batch.Count == 0) continue;
            // One bad event fails its whole transaction: then each message is grouped alone, so only its own fails.
            if (!await TryGroupAsync(batch))
                foreach (var p in batch) await TryGroupAsync([p]);
            batch.Clear();
        }
    }

    /// <summary>
    /// Groups the messages' events in one transaction and answers every message; false, answering none, when that
    /// fails for more than one message.
    /// </summary>
    private async Task<bool> TryGroupAsync(List<Pending> batch)
    {
        try
        {
            var queued = await _pipeline.GroupAsync([.. batch.SelectMany(p => p.EventIds).Distinct(StringComparer.Ordinal)], CancellationToken.None);
            batch[0].Grouped.TrySetResult(queued); // one message publishes the notifications to send
            foreach (var p in batch.Skip(1)) p.Grouped.TrySetResult([]);
            return true;
        }
        catch (Exception) when (batch.Count > 1)
        {
            return false;
        }
        catch (Exception ex)
        {
            batch[0].Grouped.TrySetException(ex); // the bus retries the message, and it faults, as it did before batching
            return true;
        }
    }

    private sealed record Pending(IReadOnlyList<string> EventIds, TaskCompletionSource<IReadOnlyList<long>> Grouped);
}
