using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>An event id counts a retry once within its project; another project using the same id loses nothing.</summary>
public sealed class EventIdScopeTests : IAsyncLifetime
{
    private const long OtherProjectId = 2;
    private const string OtherKey = "otherkey-0123456789abcdef";
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(30);

    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
    {
        ["Alerts:Projects:1:Id"] = "2",
        ["Alerts:Projects:1:Name"] = "blog",
        ["Alerts:Projects:1:Key"] = OtherKey,
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task SameEventIdInTwoProjects_BothStoredAndCountedOnce_SameProjectRetryStaysOne()
    {
        var native = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));
        Assert.Equal(HttpStatusCode.Accepted, native.StatusCode);
        var id = (await native.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // The other project's SDK sends that very id, then retries it after a lost answer.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var sentry = await _app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(id, "KeyError", OtherKey, OtherProjectId));
            Assert.Equal(HttpStatusCode.OK, sentry.StatusCode);
        }
        // The first project retrying its own id is still one event.
        Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(id))).StatusCode);

        await Wait.UntilAsync(
            () => _app.QueryAsync(async db => await db.Events.CountAsync() == 2 && !await db.Events.AnyAsync(e => e.IncidentId == null)),
            GroupTimeout, "both projects' events to be stored and grouped");
        var incidents = await _app.QueryAsync(db => db.Incidents.OrderBy(i => i.ProjectId).ToListAsync());
        Assert.Equal([(AlertsTestApp.ProjectId, "ZeroDivisionError", 1L), (OtherProjectId, "KeyError", 1L)],
            incidents.Select(i => (i.ProjectId, i.Title.Split(':')[0], i.Count)));
    }

    [Fact]
    public async Task SameSentryEventIdInTwoProjects_BothStoredAndCountedOnce()
    {
        var id = SentryTestData.NewEventId();
        foreach (var (key, project) in new[] { (AlertsTestApp.ProjectKey, AlertsTestApp.ProjectId), (OtherKey, OtherProjectId), (OtherKey, OtherProjectId) })
            Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(AlertsTestApp.SentryStoreRequest(id, key: key, projectId: project))).StatusCode);

        await Wait.UntilAsync(
            () => _app.QueryAsync(async db => await db.Events.CountAsync() == 2 && !await db.Events.AnyAsync(e => e.IncidentId == null)),
            GroupTimeout, "both projects' events to be stored and grouped");
        var counts = await _app.QueryAsync(db => db.Incidents.OrderBy(i => i.ProjectId).Select(i => new { i.ProjectId, i.Count }).ToListAsync());
        Assert.Equal([new { ProjectId = AlertsTestApp.ProjectId, Count = 1L }, new { ProjectId = OtherProjectId, Count = 1L }], counts);
    }
}
