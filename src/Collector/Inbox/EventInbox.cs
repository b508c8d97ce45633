using System.Data.Common;
using System.Threading.Channels;
using Alerts.Contracts;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Observability;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Inbox;

/// <summary>
/// The durable inbox with group commit: requests hand their event to one writer, which commits
/// whatever has queued up in a single transaction, so durability costs one fsync per batch, not per request.
/// </summary>
public sealed class EventInbox : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);
    private readonly Channel<Pending> _queue;
    private readonly IDbContextFactory<AlertsDbContext> _factory;
    private readonly IBus _bus;
    private readonly ILogger<EventInbox> _logger;
    private readonly int _maxBatch;
    private readonly IDisposable _depthGauge;

    public EventInbox(IDbContextFactory<AlertsDbContext> factory, IBus bus, IOptions<CollectorOptions> options, ILogger<EventInbox> logger)
    {
        _factory = factory;
        _bus = bus;
        _logger = logger;
        _maxBatch = options.Value.MaxBatchSize;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.InboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the caller answers 429
        });
        _depthGauge = AlertsMetrics.ObserveQueue("inbox", () => _queue.Reader.Count);
    }

    /// <summary>Queues an event; the task completes once it is committed. False when the inbox is full.</summary>
    public bool TryAccept(StoredEvent e, out Task committed)
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
        var batch = new List<Pending>(_maxBatch);
        // Not tied to stoppingToken: on shutdown the queue is completed and drained, never dropped.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var p)) batch.Add(p);
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            await InsertAsync(batch);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
        {
            _logger.LogError(ex, "Could not commit {Count} event(s)", batch.Count);
            foreach (var p in batch) p.Committed.TrySetException(new InboxUnavailableException(ex));
            return;
        }
        foreach (var p in batch) p.Committed.TrySetResult();
        // Not awaited: with the broker down a publish waits for the reconnection, and the writer must keep committing.
        _ = PublishAsync([.. batch.Select(p => p.Event.Id)]);
    }

    private async Task PublishAsync(List<string> ids)
    {
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            await _bus.Publish(new EventsAccepted(ids), timeout.Token);
        }
        catch (Exception ex)
        {
            // The database is the source of truth: the ungrouped sweep publishes these again.
            _logger.LogWarning(ex, "Could not publish {Count} accepted event(s); they will be swept", ids.Count);
        }
    }

    private async Task InsertAsync(List<Pending> batch)
    {
        await using var db = await _factory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        // A repeated id (an SDK retrying) is kept once.
        cmd.CommandText = """
            INSERT INTO "Events" ("Id", "ProjectId", "Kind", "Timestamp", "ReceivedAt", "Payload")
            VALUES (@id, @project, @kind, @ts, @received, @payload)
            ON CONFLICT ("Id") DO NOTHING
            """;
        var id = cmd.AddParameter("@id");
        var project = cmd.AddParameter("@project");
        var kind = cmd.AddParameter("@kind");
        var ts = cmd.AddParameter("@ts");
        var received = cmd.AddParameter("@received");
        var payload = cmd.AddParameter("@payload");
        foreach (var p in batch)
        {
            id.Value = p.Event.Id;
            project.Value = p.Event.ProjectId;
            kind.Value = (int)p.Event.Kind;
            ts.Value = p.Event.Timestamp;
            received.Value = p.Event.ReceivedAt;
            payload.Value = p.Event.Payload;
            await cmd.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    private sealed record Pending(StoredEvent Event, TaskCompletionSource Committed);
}

public sealed class InboxUnavailableException(Exception inner) : Exception("The event store is unavailable.", inner);
