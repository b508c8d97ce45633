using Microsoft.Extensions.Options;

namespace Alerts.Core.Monitors;

/// <summary>Makes the monitors declared in <c>Alerts:Monitors:Cron</c> and <c>Alerts:Monitors:Uptime</c> exist with their settings, at start-up.</summary>
public sealed class MonitorSeeder(MonitorCatalog catalog, IOptions<MonitorsOptions> options)
{
    public async Task SeedAsync(CancellationToken ct)
    {
        foreach (var m in options.Value.Cron)
            await catalog.UpsertAsync(m.Project, MonitorCatalog.NormalizeSlug(m.Slug)!, m.Definition(), MonitorSource.Configuration, ct);
        foreach (var m in options.Value.Uptime)
            await catalog.UpsertAsync(m.Project, MonitorCatalog.NormalizeSlug(m.Slug)!, m.Definition(), MonitorSource.Configuration, ct);
    }
}
