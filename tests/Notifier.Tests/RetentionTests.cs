using System.Net;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.Jobs;
using Alerts.TestSupport;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests;

/// <summary>Storage grows with incidents, not events: a few samples per incident, ids for a window, old incidents go.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Grouping_KeepsTheNewestSamplesOfAnIncident_AndCountsEveryOccurrence()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Retention:SamplesPerIncident"] = "3" });
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var id = Guid.NewGuid().ToString("N");
            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(id))).StatusCode);
            ids.Add(id);
            await WaitForCountAsync(app, i + 1);
        }

        var kept = await app.QueryAsync(db => db.Events.Select(e => e.Id).ToListAsync());
        Assert.Equal(ids.TakeLast(3).Order(), kept.Order());
    }

    [Fact]
    public async Task Grouping_ABatchLargerThanTheSamples_KeepsItsNewest_AndCountsEveryOccurrence()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Retention:SamplesPerIncident"] = "3" });
        var start = DateTime.UtcNow;
        var events = Enumerable.Range(0, 10).Select(i => StoredEvent.Create(AlertsTestApp.ProjectId, EventKind.Error,
            new EventPayload { Exception = new ExceptionInfo { Type = "KeyError", Value = "'sku'" } }, start.AddMilliseconds(i))).ToList();
        await app.QueryAsync(db => { db.Events.AddRange(events); return db.SaveChangesAsync(); });

        // One transaction for all ten (or the ungrouped sweep's, if it comes first): seven are counted but kept as no sample.
        await app.Services.GetRequiredService<EventPipeline>().GroupAsync([.. events.Select(e => e.Id)], CancellationToken.None);

        await WaitForCountAsync(app, 10);
        var incident = await app.QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal(events[^1].Id, incident.LastEventId);
        var kept = await app.QueryAsync(db => db.Events.Where(e => e.IncidentId == incident.Id).Select(e => e.Id).ToListAsync());
        Assert.Equal(events.TakeLast(3).Select(e => e.Id).Order(), kept.Order());
        Assert.Equal(3, await app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public void SampleWindow_KeepsTheNewest_ByReceivedAtThenId_AsPruningDoes()
    {
        var at = new DateTime(2026, 11, 24, 3, 0, 0, DateTimeKind.Utc);
        Sample E(string id, int ms) => new(id, at.AddMilliseconds(ms));

        var (assign, delete) = SampleWindow.Split([E("x", 7), E("y", 2)], [E("a", 0), E("d", 5), E("b", 9), E("c", 9), E("e", 1)], keep: 3);

        Assert.Equal(["c", "b"], assign); // x (7 ms) stays a sample, d (5 ms) falls outside
        Assert.Equal(["d", "y", "e", "a"], delete);
        var (first, none) = SampleWindow.Split([], [E("a", 0)], keep: 3);
        Assert.Equal(["a"], first);
        Assert.Empty(none);
    }

    [Fact]
    public void SampleWindow_LeavesTheNewestOfSamplesAndBatch_AndDeletesEveryOther()
    {
        var at = new DateTime(2026, 11, 24, 3, 0, 0, DateTimeKind.Utc);
        var sample = Gen.Select(Gen.Int[0, 40], Gen.Int[0, 20]).Select((id, ms) => new Sample($"e{id:D2}", at.AddMilliseconds(ms)));
        Gen.Select(sample.Array[0, 12], sample.Array[0, 12], Gen.Int[1, 8]).Sample((current, batch, keep) =>
        {
            current = [.. current.DistinctBy(s => s.Id)];
            batch = [.. batch.DistinctBy(s => s.Id).Where(s => !current.Any(c => c.Id == s.Id))];
            var (assign, delete) = SampleWindow.Split(current, batch, keep);

            var left = current.Select(s => s.Id).Except(delete).Concat(assign).Order().ToList();
            var newest = current.Concat(batch).OrderByDescending(s => s.ReceivedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal)
                .Take(keep).Select(s => s.Id).Order().ToList();
            Assert.Equal(newest, left);
            Assert.Equal(current.Length + batch.Length, left.Count + delete.Count); // every event assigned, kept or deleted, once
        });
    }

    [Fact]
    public async Task SdkRetry_AfterItsEventWasPruned_IsCountedOnce()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Retention:SamplesPerIncident"] = "1" });
        var first = Guid.NewGuid().ToString("N");
        await app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(first));
        await app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(Guid.NewGuid().ToString("N")));
        await WaitForCountAsync(app, 2);
        Assert.Equal(0, await app.QueryAsync(db => db.Events.CountAsync(e => e.Id == first)));

        var retry = await app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(first));

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(0, await app.QueryAsync(db => db.Events.CountAsync(e => e.Id == first)));
        Assert.Equal(2, await app.QueryAsync(db => db.EventIds.CountAsync()));
        await app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(Guid.NewGuid().ToString("N")));
        await WaitForCountAsync(app, 3);
    }

    [Fact]
    public async Task RetentionJob_DeletesIncidentsPastTheRetentionWithTheirData_AndForgetsOldEventIds()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Retention:Days"] = "90",
            ["Alerts:Retention:EventIdHours"] = "24",
        });
        var now = DateTime.UtcNow;
        var old = await SeedIncidentAsync(app, "old", now.AddDays(-100));
        var recent = await SeedIncidentAsync(app, "recent", now.AddDays(-1));
        await app.QueryAsync(async db =>
        {
            db.EventIds.AddRange(
                new SeenEventId { Id = SeenEventId.KeyOf(AlertsTestApp.ProjectId, "a".PadLeft(32, '0')), SeenAt = new DateTimeOffset(now.AddHours(-25)).ToUnixTimeSeconds() },
                new SeenEventId { Id = SeenEventId.KeyOf(AlertsTestApp.ProjectId, "b".PadLeft(32, '0')), SeenAt = new DateTimeOffset(now.AddHours(-1)).ToUnixTimeSeconds() });
            return await db.SaveChangesAsync();
        });

        using (var scope = app.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);

        Assert.Equal([recent], await app.QueryAsync(db => db.Incidents.Select(i => i.Id).ToListAsync()));
        Assert.All(await app.QueryAsync(db => db.Events.Select(e => e.IncidentId).ToListAsync()), id => Assert.Equal(recent, id));
        Assert.Equal(0, await app.QueryAsync(db => db.Notifications.CountAsync(n => n.IncidentId == old)));
        Assert.Equal(0, await app.QueryAsync(db => db.IncidentHourlyCounts.CountAsync(c => c.IncidentId == old)));
        Assert.Equal(0, await app.QueryAsync(db => db.BrokenLinkReferrers.CountAsync(r => r.IncidentId == old)));
        Assert.Equal(1, await app.QueryAsync(db => db.Notifications.CountAsync(n => n.IncidentId == recent)));
        Assert.Equal([SeenEventId.KeyOf(AlertsTestApp.ProjectId, "b".PadLeft(32, '0'))], await app.QueryAsync(db => db.EventIds.Select(x => x.Id).ToListAsync()));
    }

    private static async Task<long> SeedIncidentAsync(AlertsTestApp app, string name, DateTime lastSeen) =>
        await app.QueryAsync(async db =>
        {
            var incident = new Incident
            {
                ProjectId = AlertsTestApp.ProjectId, Fingerprint = name, Kind = EventKind.BrokenLink, Title = name,
                Count = 1, FirstSeen = lastSeen, LastSeen = lastSeen,
            };
            db.Incidents.Add(incident);
            await db.SaveChangesAsync();
            db.Events.Add(new StoredEvent { Id = Guid.NewGuid().ToString("N"), ProjectId = incident.ProjectId, Kind = incident.Kind, Fingerprint = name, Timestamp = lastSeen, ReceivedAt = lastSeen, Payload = "{}", IncidentId = incident.Id });
            db.IncidentHourlyCounts.Add(new IncidentHourlyCount { IncidentId = incident.Id, Hour = IncidentHourlyCount.HourOf(lastSeen), Count = 1 });
            db.BrokenLinkReferrers.Add(new BrokenLinkReferrer { IncidentId = incident.Id, Referrer = "https://shop.example.com/", Count = 1, FirstSeen = lastSeen, LastSeen = lastSeen });
            db.Notifications.Add(new Notification
            {
                ProjectId = incident.ProjectId, IncidentId = incident.Id, Reason = "first occurrence", Status = NotificationStatus.Sent,
                Recipients = "max@example.com", Subject = name, Body = name, CreatedAt = lastSeen, NextAttemptAt = lastSeen,
            });
            await db.SaveChangesAsync();
            return incident.Id;
        });

    private static Task WaitForCountAsync(AlertsTestApp app, long count) =>
        Wait.UntilAsync(async () => await app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == count
                && await app.QueryAsync(db => db.Events.CountAsync(e => e.IncidentId == null)) == 0,
            TimeSpan.FromSeconds(30), $"{count} occurrences to be counted");
}
