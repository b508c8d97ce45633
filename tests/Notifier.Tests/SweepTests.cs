using System.Collections.Concurrent;
using Alerts.Contracts;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Notifier.Jobs;
using Alerts.TestSupport;
using Hangfire;
using ExceptionInfo = Alerts.Core.Events.ExceptionInfo;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests;

/// <summary>
/// The sweep publishes ungrouped events again: the oldest first and at most <see cref="NotifierSweepJob.MaxRepublished"/>
/// a tick, so a backlog is not queued again whole at every tick, and one whose messages were lost still drains.
/// </summary>
public sealed class SweepTests : IAsyncLifetime
{
    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sweep_OfALostBacklog_PublishesTheOldestUpToTheCap_AndTheNextTickDrainsTheRest()
    {
        // Only this test's sweeps run: the recurring one is removed and the one enqueued at start-up has finished.
        _app.Services.GetRequiredService<IRecurringJobManager>().RemoveIfExists(NotifierSweepJob.RecurringJobId);
        var hangfire = _app.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        await Wait.UntilAsync(() => Task.FromResult(hangfire.EnqueuedCount("default") == 0 && hangfire.ProcessingCount() == 0),
            TimeSpan.FromSeconds(30), "the start-up sweep to finish");

        // Accepted a minute ago, their messages lost: nothing but a sweep brings them to grouping.
        var total = NotifierSweepJob.MaxRepublished + 300;
        var start = DateTime.UtcNow.AddMinutes(-1);
        var events = Enumerable.Range(0, total).Select(i => StoredEvent.Create(AlertsTestApp.ProjectId, EventKind.Error,
            new EventPayload { Exception = new ExceptionInfo { Type = "LostError", Value = "boom" } }, start.AddTicks(i * 10L))).ToList();
        await _app.QueryAsync(db => { db.Events.AddRange(events); return db.SaveChangesAsync(); });

        var published = new ConcurrentQueue<string>();
        using var observing = _app.Services.GetRequiredService<IBus>().ConnectPublishObserver(new PublishedIds(published));
        var sweep = ActivatorUtilities.CreateInstance<NotifierSweepJob>(_app.Services);
        await sweep.RunAsync(CancellationToken.None);

        Assert.Equal(events.Take(NotifierSweepJob.MaxRepublished).Select(e => e.Id).Order(StringComparer.Ordinal),
            published.Order(StringComparer.Ordinal)); // the oldest, each once, none of the newest 300
        await Wait.UntilAsync(async () => await Counted() == NotifierSweepJob.MaxRepublished, TimeSpan.FromMinutes(2), "the first tick's events to be grouped");

        await sweep.RunAsync(CancellationToken.None);
        await Wait.UntilAsync(async () => await Counted() == total, TimeSpan.FromMinutes(2), "the rest to be grouped at the next tick");
        Assert.Equal(total, published.Count);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync(e => e.IncidentId == null)));
    }

    private Task<long> Counted() => _app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count));

    private sealed class PublishedIds(ConcurrentQueue<string> ids) : IPublishObserver
    {
        public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class
        {
            if (context.Message is EventsAccepted accepted)
                foreach (var id in accepted.EventIds) ids.Enqueue(id);
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
