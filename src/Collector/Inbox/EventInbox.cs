using System.Data.Common;
using System.Threading.Channels;
using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Observability;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The durable inbox with group commit: requests hand their event to a writer, which commits whatever has queued up in
/// a single transaction, so durability costs one fsync per batch, not per request. SQLite takes one writer; on
/// PostgreSQL several write at once, each on its own connection, so batches fill while others wait for their commit.
/// </summary>
public sealed class EventInbox : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

    // How long committed ids wait for the next commits before they are published: one message per 20 ms instead of one
    // per commit, so grouping folds a flood in large transactions. 20 ms are little next to a mail's latency.
    private static readonly TimeSpan PublishLinger = TimeSpan.FromMilliseconds(20);
    private const int IdsPerMessage = 1000;

    // Commits not published yet; bounded so a broker that is down does not fill memory (the sweep publishes the rest).
    private readonly Channel<List<string>> _accepted = Channel.CreateBounded<List<string>>(
        new BoundedChannelOptions(1000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<Pending> _queue;
    private readonly IDatabaseProvider _database;
    private readonly IBus _bus;
    private readonly WriteGate _gate;
    private readonly ILogger<EventInbox> _logger;
    private readonly int _maxBatch;
    private readonly IDisposable _depthGauge;
    private readonly int _writeTimeout;
    private readonly int _writers;

    public EventInbox(IDatabaseProvider database, IBus bus, WriteGate gate, IOptions<CollectorOptions> options, ILogger<EventInbox> logger)
    {
        _database = database;
        _bus = bus;
        _gate = gate;
        _logger = logger;
        _maxBatch = options.Value.MaxBatchSize;
        _writeTimeout = options.Value.WriteTimeoutSeconds;
        _writers = database.OneWriter ? 1 : options.Value.InboxWriters;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.InboxCapacity)
        {
            SingleReader = _writers == 1,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller answers 429
            AllowSynchronousContinuations = true, // a waiting writer's continuation only sets its signal: no pool hop for it
        });
        _depthGauge = AlertsMetrics.ObserveQueue("inbox", () => _queue.Reader.Count);
    }

    /// <summary>Queues an event; the task completes once it is committed. False when the inbox is full.</summary>
    public bool TryAccept(InboxEvent e, out Task committed)
    {
        var pending = new Pending(e, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        committed = pending.Committed.Task;
        return _queue.Writer.TryWrite(pending);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete(); // stop taking, finish writing what was accepted
        await base.StopAsync(cancellationToken);
        _depthGauge.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var publishing = PublishLoopAsync();
        await Task.WhenAll(Enumerable.Range(1, _writers).Select(i => WriterThread.Run($"Inbox writer {i}", WriteLoop, _logger)));
        _accepted.Writer.TryComplete();
        await publishing;
    }

    /// <summary>A writer: commits whatever has queued, batch after batch, until the queue is completed and drained.</summary>
    private void WriteLoop()
    {
        var batch = new List<Pending>(_maxBatch);
        InboxWriter? writer = null; // this loop's connection and statements, kept across batches
        // Spins briefly before it blocks (the default): blocking at once, the writer sleeps after each commit and wakes for one post.
        using var signal = new ManualResetEventSlim(false);
        try
        {
            while (WaitToRead(signal))
            {
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var p)) batch.Add(p);
                if (batch.Count > 0) Commit(batch, ref writer);
                batch.Clear();
            }
        }
        finally
        {
            writer?.Dispose();
        }
    }

    /// <summary>
    /// Waits (a brief spin, then a block) until an event is queued or the queue is completed and drained, with no Task
    /// allocated per wait.
    /// Not tied to stoppingToken: on shutdown the queue is completed and drained, never dropped.
    /// </summary>
    private bool WaitToRead(ManualResetEventSlim signal) => Block(_queue.Reader.WaitToReadAsync(CancellationToken.None), signal);

    private static bool Block(ValueTask<bool> waiting, ManualResetEventSlim signal)
    {
        if (!waiting.IsCompleted)
        {
            signal.Reset();
            waiting.GetAwaiter().UnsafeOnCompleted(signal.Set);
            signal.Wait();
        }
        return waiting.GetAwaiter().GetResult();
    }

    private void Commit(List<Pending> batch, ref InboxWriter? writer)
    {
        List<string> added;
        try
        {
            added = Insert(batch, ref writer);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            _logger.LogError(ex, "Could not commit {Count} event(s)", batch.Count);
            var refused = new InboxUnavailableException(ex);
            foreach (var p in batch) p.Committed.TrySetException(refused);
            // What queued meanwhile meets the same busy or full database: answer it now rather than after a wait each.
            while (_queue.Reader.TryRead(out var p)) p.Committed.TrySetException(refused);
            return;
        }
        foreach (var p in batch) p.Committed.TrySetResult();
        // Published apart from the writer: with the broker down a publish waits for the reconnection, and the writer must keep committing.
        if (added.Count > 0 && !_accepted.Writer.TryWrite(added))
            _logger.LogWarning("{Count} accepted event(s) not published while earlier ones wait for the broker; they will be swept", added.Count);
    }

    private async Task PublishLoopAsync()
    {
        while (await _accepted.Reader.WaitToReadAsync())
        {
            await Task.Delay(PublishLinger);
            var ids = new List<string>();
            while (_accepted.Reader.TryRead(out var more)) ids.AddRange(more);
            foreach (var chunk in ids.Chunk(IdsPerMessage)) await PublishAsync(chunk);
        }
    }

    private async Task PublishAsync(string[] ids)
    {
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            await _bus.Publish(new EventsAccepted(ids), timeout.Token);
        }
        catch (Exception ex)
        {
            // The database is the source of truth: the ungrouped sweep publishes these again.
            _logger.LogWarning(ex, "Could not publish {Count} accepted event(s); they will be swept", ids.Length);
        }
    }

    /// <summary>Commits the batch in one transaction; returns the ids not seen before (a retry's id is kept once).</summary>
    private List<string> Insert(List<Pending> batch, ref InboxWriter? writer)
    {
        using var turn = _gate.Enter(TimeSpan.FromSeconds(_writeTimeout));
        writer ??= InboxWriter.Open(_database, _writeTimeout);
        try
        {
            return writer.Insert([.. batch.Select(p => p.Event)]);
        }
        catch
        {
            // A failed connection (busy, full, broken) is not reused: the next batch starts on a fresh one.
            writer.Dispose();
            writer = null;
            throw;
        }
    }

    private sealed record Pending(InboxEvent Event, TaskCompletionSource Committed);
}

public sealed class InboxUnavailableException(Exception inner) : Exception("The event store is unavailable.", inner);
