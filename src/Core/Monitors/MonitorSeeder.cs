using Microsoft.Extensions.Options;

namespace Alerts.Core.Monitors;

/// <summary>Makes the monitors declared in <c>Alerts:Monitors:Cron</c> and <c>Alerts:Monitors:Uptime</c> exist with their settings, at start-up.</summary>
public sealed class MonitorSeeder(MonitorCatalog catalog, IOptions<MonitorsOptions> options)
{
    public async Task SeedAsync(CancellationToken ct)
    {
        foreach (var (_, m) in options.Value.Configured())
            await catalog.UpsertAsync(m.Project, MonitorCatalog.NormalizeSlug(m.Slug)!, m.Definition(), MonitorSource.Configuration, ct);
    }
}
