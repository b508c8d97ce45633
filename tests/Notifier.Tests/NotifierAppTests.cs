using System.Net;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Notifier.Tests;

/// <summary>The notifier inside the real host: Collector → grouping → policy → SMTP to a real MailDev.</summary>
public class NotifierAppTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Post_SameErrorTwice_MailsTheAdminOnceAndCountsTwo()
    {
        await using var smtp = await MailDevServer.StartAsync();
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = smtp.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        using (var first = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: 42))))
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var mail = Assert.Single(await smtp.WaitForMailsAsync(1, Timeout));
        Assert.StartsWith("[Alerts] ERROR", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError: division by zero", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(["ada@example.com"], mail.To);

        // The same bug after a deploy that moved it down a line: one incident, counted, not mailed again.
        using (var second = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: 43))))
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        await Wait.UntilAsync(
            async () => await app.QueryAsync(db => db.Incidents.SumAsync(i => i.Count)) == 2,
            Timeout, "the second occurrence to be counted");

        var incident = await app.QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal(2, incident.Count);
        // The hourly counters the Dashboard draws from agree with the incident's count.
        Assert.Equal(2, await app.QueryAsync(db => db.IncidentHourlyCounts.Where(h => h.IncidentId == incident.Id).SumAsync(h => h.Count)));
        Assert.Equal(1, await app.QueryAsync(db => db.Notifications.CountAsync()));
        Assert.Single(await smtp.GetMailsAsync());
    }

    [Fact]
    public async Task PostedError_IsStoredWithTheFingerprintItIsGroupedBy()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using (var posted = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: 42))))
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var stored = await Wait.UntilAsync(() => app.QueryAsync(db => db.Events.FirstOrDefaultAsync(e => e.IncidentId != null)),
            Timeout, "the posted error to be grouped");
        Assert.Equal(Fingerprinter.Compute(stored.Kind, Alerts.Core.Events.EventJson.Read(stored.Payload)), stored.Fingerprint);
    }
}
