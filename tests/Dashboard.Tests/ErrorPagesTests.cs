using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.TestSupport;

namespace Alerts.Dashboard.Tests;

public sealed class ErrorPagesTests
{
    [Fact]
    public async Task UnknownPage_IsAFriendly404_SignedInOrNot()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Environment"] = "Production" });
        using var anonymous = DashboardSession.AnonymousClient(app);
        var client = await DashboardSession.SignedInClientAsync(app);

        foreach (var c in new[] { anonymous, client })
        {
            var response = await c.GetAsync("/no/such/page");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains("<h1>Page not found</h1>", page, StringComparison.Ordinal);
        }
        var api = await anonymous.GetAsync("/api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ServerError_OnAPage_IsTheStatic500_WithNothingInternal_AndTheApiStaysProblemDetails()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Environment"] = "Production" });
        var client = await DashboardSession.SignedInClientAsync(app);
        // A stored payload that is not JSON any more: reading it throws.
        var id = await app.QueryAsync(async db =>
        {
            var e = StoredEvent.Create(AlertsTestApp.ProjectId, EventKind.Error, new EventPayload(), DateTime.UtcNow);
            e.Payload = "{ not json";
            var incident = new Incident { ProjectId = AlertsTestApp.ProjectId, Fingerprint = "broken", Title = "Broken", FirstSeen = DateTime.UtcNow, LastSeen = DateTime.UtcNow, Count = 1 };
            db.Incidents.Add(incident);
            await db.SaveChangesAsync();
            e.IncidentId = incident.Id;
            incident.LastEventId = e.Id;
            db.Events.Add(e);
            await db.SaveChangesAsync();
            return incident.Id;
        });

        var response = await client.GetAsync($"/incidents/{id}");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Equal(ErrorPages.ServerErrorHtml, page);
        Assert.DoesNotContain("JsonException", page, StringComparison.Ordinal);

        var api = await client.GetAsync($"/api/v1/incidents/{id}");
        Assert.Equal(HttpStatusCode.InternalServerError, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(problem.TryGetProperty("exception", out _));
        Assert.DoesNotContain("JsonException", problem.GetRawText(), StringComparison.Ordinal);
    }
}
