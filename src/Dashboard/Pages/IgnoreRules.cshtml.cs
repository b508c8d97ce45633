using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>The ignore rules managers made from broken links, and a way to take one back.</summary>
public sealed class IgnoreRulesModel(IgnoreRuleStore rules, AlertsDbContext db) : PageModel
{
    public IReadOnlyList<IgnoreRule> Rules { get; private set; } = [];
    public IReadOnlyDictionary<long, string> ProjectNames { get; private set; } = new Dictionary<long, string>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        ViewData["Title"] = "Ignore rules";
        Rules = await rules.ListAsync(ct);
        ProjectNames = await db.Projects.ToDictionaryAsync(p => p.Id, p => p.Name, ct);
    }

    /// <summary>Removes a rule; links it matched are mailed again from their next occurrence (ignored incidents stay ignored).</summary>
    public async Task<IActionResult> OnPostDeleteAsync(long ruleId, CancellationToken ct)
    {
        await rules.RemoveAsync(ruleId, ct);
        return RedirectToPage();
    }
}
