using Alerts.Core.Data;
using Alerts.Dashboard.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

public sealed class IndexModel(AlertsDbContext db) : PageModel
{
    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var rows = await db.Incidents.OrderByDescending(i => i.LastSeen).ThenByDescending(i => i.Id).Take(100).ToListAsync(ct);
        Incidents = [.. rows.Select(IncidentsApi.ToSummary)];
    }
}
