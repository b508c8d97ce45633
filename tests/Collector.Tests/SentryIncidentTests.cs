using System.Net;
using System.Text;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>Sentry events through the whole host (collector, grouping, mail): what they add up to.</summary>
public sealed class SentryIncidentTests : IAsyncLifetime
{
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(30);

    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task SameEventIdPostedTwice_IncidentCountStaysOne()
    {
        var id = SentryTestData.NewEventId();
        var envelope = Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id));

        // An SDK retrying after a lost answer sends the very same envelope again.
        Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, envelope))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, envelope))).StatusCode);

        // Both answers came after their commit: once everything stored is grouped, the count is final.
        var incident = await WaitUntilAllGroupedAsync();
        Assert.Equal(1, incident.Count);
        Assert.Equal("ZeroDivisionError: division by zero", incident.Title);
        // Grouping is done, so no second mail can still be decided: the first one arriving is the only one.
        await Wait.UntilAsync(() => Task.FromResult(_app.Mails().Count > 0), GroupTimeout, "the admins' mail");
        var mail = Assert.Single(_app.Mails());
        Assert.Equal(1, await _app.QueryAsync(db => db.Notifications.CountAsync()));
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogMessagesFromOneTemplate_CountOnOneIncident()
    {
        foreach (var order in new[] { 17, 18, 19 })
        {
            var json = $$$"""{"logentry":{"message":"Payment {OrderId} failed","formatted":"Payment {{{order}}} failed"},"logger":"Shop.Payments","level":"error"}""";
            var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
                AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(json, SentryTestData.NewEventId()))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var incident = await WaitUntilAllGroupedAsync();
        Assert.Equal(3, incident.Count);
        Assert.Equal("Payment 17 failed", incident.Title);
    }

    /// <summary>The one incident, once no stored event is left ungrouped.</summary>
    private async Task<Incident> WaitUntilAllGroupedAsync()
    {
        await Wait.UntilAsync(
            () => _app.QueryAsync(async db => await db.Events.AnyAsync() && !await db.Events.AnyAsync(e => e.IncidentId == null)),
            GroupTimeout, "every stored event to be grouped");
        return await _app.QueryAsync(db => db.Incidents.SingleAsync());
    }
}
