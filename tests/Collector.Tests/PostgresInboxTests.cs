using System.Net;
using Alerts.Core.Events;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>
/// The inbox on PostgreSQL: batches written as arrays by several writers at once keep every acknowledged event once,
/// a retry once within its project, and another project's event with the same id as an event of its own.
/// </summary>
public sealed class PostgresInboxTests(PostgresInboxTests.Server server) : IClassFixture<PostgresInboxTests.Server>, IAsyncLifetime
{
    private const long OtherProjectId = 2;
    private const string OtherKey = "otherkey-0123456789abcdef";
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(60);

    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
    {
        ["Alerts:Database:Provider"] = "Postgres",
        ["ConnectionStrings:Alerts"] = await server.Postgres.CreateDatabaseAsync("alerts_" + Guid.NewGuid().ToString("N")),
        ["Alerts:Projects:1:Id"] = "2",
        ["Alerts:Projects:1:Name"] = "blog",
        ["Alerts:Projects:1:Key"] = OtherKey,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Flood_WithRetriesAndAForeignId_StoresEachEventOnce_AndCountsEveryAcknowledgedOne()
    {
        var ids = Enumerable.Range(0, 150).Select(_ => SentryTestData.NewEventId()).ToList();
        // Every id is sent three times at once (an SDK retrying a lost answer lands in the same batch or beside it in
        // another writer's), and once more by the other project, whose event is its own.
        var posts = ids.SelectMany(id => new[]
        {
            AlertsTestApp.SentryStoreRequest(id), AlertsTestApp.SentryStoreRequest(id), AlertsTestApp.SentryStoreRequest(id),
            AlertsTestApp.SentryStoreRequest(id, "KeyError", OtherKey, OtherProjectId),
        }).OrderBy(_ => Random.Shared.Next()).ToList();
        var answers = await Task.WhenAll(posts.Select(async p => (await _app.Client.SendAsync(p)).StatusCode));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));

        await Wait.UntilAsync(
            () => _app.QueryAsync(async db => await db.Incidents.SumAsync(i => i.Count) >= 300 && !await db.Events.AnyAsync(e => e.IncidentId == null)),
            GroupTimeout, "300 events to be stored and grouped");
        var counts = await _app.QueryAsync(db => db.Incidents.OrderBy(i => i.ProjectId).Select(i => new { i.ProjectId, i.Count }).ToListAsync());
        Assert.Equal([new { ProjectId = AlertsTestApp.ProjectId, Count = 150L }, new { ProjectId = OtherProjectId, Count = 150L }], counts);
        Assert.Equal(300, await _app.QueryAsync(db => db.EventIds.CountAsync()));
        // What the Dashboard and the mails read: each kept sample's payload, the other project's (stored under a new id) too.
        var samples = await _app.QueryAsync(db => db.Events.Select(e => new { e.ProjectId, e.Payload }).ToListAsync());
        Assert.Contains(samples, s => s.ProjectId == OtherProjectId);
        Assert.All(samples, s => Assert.Equal(s.ProjectId == OtherProjectId ? "KeyError" : "ZeroDivisionError", EventJson.Read(s.Payload).Exception?.Type));
    }

    /// <summary>One PostgreSQL server for the class; each test gets a database of its own.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public PostgresServer Postgres { get; private set; } = null!;

        public async Task InitializeAsync() => Postgres = await PostgresServer.StartAsync();

        public async Task DisposeAsync() => await Postgres.DisposeAsync();
    }
}
