using Alerts.TestSupport;

namespace Alerts.Dashboard.Tests;

public sealed class ProjectsPageTests
{
    [Fact]
    public async Task ProjectsPage_ShowsEachProjectsDsnForTheAddressItWasReachedAt()
    {
        await using var app = await AlertsTestApp.StartAsync();
        using var client = await DashboardSession.SignedInClientAsync(app);

        var page = await client.GetStringAsync("/projects");

        var dsn = $"http://{AlertsTestApp.ProjectKey}@127.0.0.1:{app.BaseAddress.Port}/{AlertsTestApp.ProjectId}";
        Assert.Contains(dsn, page, StringComparison.Ordinal);
        Assert.Contains("shop", page, StringComparison.Ordinal);
        Assert.DoesNotContain("self-monitoring", page, StringComparison.Ordinal);
    }
}
