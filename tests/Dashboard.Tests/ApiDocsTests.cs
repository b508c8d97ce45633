using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.TestSupport;

namespace Alerts.Dashboard.Tests;

public sealed class ApiDocsTests
{
    [Fact]
    public async Task OpenApiDocument_DescribesTheWholeHttpSurface()
    {
        await using var app = await AlertsTestApp.StartAsync();

        var document = await app.Client.GetFromJsonAsync<JsonElement>(ApiDocs.DocumentPath);

        var paths = document.GetProperty("paths");
        foreach (var path in new[]
                 {
                     "/api/v1/events", "/api/{projectId}/store", "/api/{projectId}/envelope", "/api/v1/incidents",
                     "/api/v1/incidents/{id}", "/api/v1/incidents/{id}/resolve", "/api/v1/incidents/{id}/snooze", "/healthz", "/readyz",
                 })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the document");
        var post = paths.GetProperty("/api/v1/events").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(post.GetProperty("responses").GetProperty("429").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var list = paths.GetProperty("/api/v1/incidents").GetProperty("get");
        Assert.Equal(["status", "kind", "projectId", "environment", "q", "sort", "cursor", "limit"],
            list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task JobsDashboard_IsForSignedInUsersOnly()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var anonymous = DashboardSession.AnonymousClient(app);
        var client = await DashboardSession.SignedInClientAsync(app);

        var refused = await anonymous.GetAsync(DashboardExtensions.JobsPath);
        var shown = await client.GetAsync(DashboardExtensions.JobsPath);

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/login", refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("Alerts jobs", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsDashboard_IsNotMountedWithoutJobStorage()
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Alerts.Server.Hosting.Roles.Dashboard);
        var client = await DashboardSession.SignedInClientAsync(app);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(DashboardExtensions.JobsPath)).StatusCode);
    }
}
