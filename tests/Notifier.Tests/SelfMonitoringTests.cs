using Alerts.Contracts;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Notifier.Decide;
using Alerts.Notifier.Delivery;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.SelfMonitoring;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests;

public sealed class SelfMonitoringTests
{
    [Fact]
    public async Task GroupingThatKeepsFailing_BecomesAnIncidentOfAlertsItself_MailedToAdmins()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:EmailSubjectPrefix"] = "[Ops] ",
        });
        // An event the grouper cannot read: what a corrupted inbox row or a bug in a new release looks like.
        await app.QueryAsync(async db =>
        {
            db.Events.Add(new StoredEvent
            {
                Id = "0123456789abcdef0123456789abcdef", ProjectId = AlertsTestApp.ProjectId, Kind = EventKind.Error, Fingerprint = "corrupt",
                Timestamp = DateTime.UtcNow, ReceivedAt = DateTime.UtcNow, Payload = "{not json",
            });
            return await db.SaveChangesAsync();
        });
        await app.Services.GetRequiredService<IBus>().Publish(new EventsAccepted(["0123456789abcdef0123456789abcdef"]));

        var incident = await Wait.UntilAsync(() => app.QueryAsync(db => db.Incidents.FirstOrDefaultAsync(i => i.ProjectId == 0)),
            TimeSpan.FromSeconds(60), "a self-monitoring incident");
        var mail = await Wait.UntilAsync(() => Task.FromResult(app.Mails().FirstOrDefault(m => m.Subject?.Contains("grouping", StringComparison.Ordinal) == true)),
            TimeSpan.FromSeconds(30), "a mail about the failing grouping");

        Assert.Contains("JsonException", incident.Title, StringComparison.Ordinal);
        Assert.StartsWith("[Ops] ", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("Alerts (self-monitoring)", await app.QueryAsync(db => db.Projects.Where(p => p.Id == 0).Select(p => p.Name).SingleAsync()));
        // The bad event stays in the inbox for the sweep, not lost and not counted.
        Assert.Null(await app.QueryAsync(db => db.Events.Where(e => e.Id == "0123456789abcdef0123456789abcdef").Select(e => e.IncidentId).SingleAsync()));
    }
}

public sealed class SelfMonitoringRolesTests
{
    [Fact]
    public async Task CollectorOnlyProcess_CarriesNoGrouperNorDelivery_AndHandsItsFailuresToTheNotifiers()
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Roles.Collector);

        Assert.Null(app.Services.GetService<IncidentGrouper>());
        Assert.Null(app.Services.GetService<OccurrenceDecider>());
        Assert.Null(app.Services.GetService<EventPipeline>());
        Assert.Null(app.Services.GetService<NotificationDelivery>());
        Assert.NotNull(app.Services.GetService<SelfMonitor>());
        Assert.IsType<PublishToNotifiers>(app.Services.GetRequiredService<ISelfMonitorHandoff>());
    }

    [Fact]
    public async Task NotifierProcess_GroupsItsOwnFailuresInProcess()
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Roles.Notifier);

        Assert.IsType<GroupHere>(app.Services.GetRequiredService<ISelfMonitorHandoff>());
    }
}

public sealed class SelfMonitoringDeliveryTests
{
    [Fact]
    public async Task MailDeferredAgainAndAgain_BecomesOneIncidentOfAlertsItself()
    {
        await using var smtp = await AiosmtpdServer.StartAsync(startTls: false, dataReply: "451 4.3.0 Mail system overloaded");
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Alerts:Notifier:SweepIntervalSeconds"] = "1",
            ["Alerts:Notifier:RetryBaseSeconds"] = "1",
        });

        await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: "KeyError")));
        await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: "ValueError")));

        var incident = await Wait.UntilAsync(() => app.QueryAsync(db => db.Incidents.FirstOrDefaultAsync(i => i.ProjectId == 0 && i.Count >= 2)),
            TimeSpan.FromSeconds(45), "both deferred mails reported on one self-monitoring incident");
        Assert.Contains("MailDeliveryFailed", incident.Title, StringComparison.Ordinal);
        Assert.Contains("451", incident.Title, StringComparison.Ordinal);
        Assert.Equal(1, await app.QueryAsync(db => db.Incidents.CountAsync(i => i.ProjectId == 0)));
    }
}
