using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.MailActions;
using Alerts.Dashboard.MailActions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Pages;

/// <summary>
/// Where a mail's action link leads, without a login: GET only shows what the link would do (a mail scanner that follows
/// links changes nothing); the page's form POSTs, with its antiforgery token, to act. An expired or forged link gets a
/// page saying so, with a 4xx status.
/// </summary>
public sealed class MailActionModel(MailActionTokens tokens, MailActionExecutor executor, AlertsDbContext db) : PageModel
{
    public string Token { get; private set; } = "";
    public MailActionTicket? Ticket { get; private set; }
    public Incident? Incident { get; private set; }
    public string? ProjectName { get; private set; }

    /// <summary>Why the link is refused, for the page.</summary>
    public string? Refusal { get; private set; }
    public MailActionResult? Result { get; private set; }

    public Task<IActionResult> OnGetAsync(string? token, CancellationToken ct) => LoadAsync(token, ct);

    public async Task<IActionResult> OnPostAsync(string? token, CancellationToken ct)
    {
        var page = await LoadAsync(token, ct);
        if (Refusal is not null || Ticket is null) return page;
        Result = await executor.ApplyAsync(Ticket, "confirmed on the mail's link page", ct);
        Incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == Ticket.IncidentId, ct);
        return Page();
    }

    private async Task<IActionResult> LoadAsync(string? token, CancellationToken ct)
    {
        // The token is in the address: no cache keeps the page, no Referer carries it on, no search engine lists it.
        Response.Headers.CacheControl = "no-store";
        Response.Headers["Referrer-Policy"] = "no-referrer";
        Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        ViewData["Title"] = "Mail action";
        Token = token ?? "";
        var (ticket, problem) = tokens.Read(token);
        if (problem == MailTokenProblem.Expired)
            return Refuse(StatusCodes.Status410Gone, "This link has expired. The links in a mail work for 7 days; open the incident in the Dashboard instead.");
        if (problem != MailTokenProblem.None || ticket is null)
            return Refuse(StatusCodes.Status400BadRequest, "This link is not valid: it was changed, cut short, or not made by this service. Nothing was done.");
        Ticket = ticket;
        Incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == ticket.IncidentId, ct);
        if (Incident is null) return Refuse(StatusCodes.Status404NotFound, "This incident no longer exists (it was deleted or has expired).");
        ProjectName = await db.Projects.Where(p => p.Id == Incident.ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        ViewData["Title"] = $"{MailActionExecutor.Describe(ticket.Action)}: {Incident.Title}";
        return Page();
    }

    private PageResult Refuse(int status, string why)
    {
        Refusal = why;
        Response.StatusCode = status;
        ViewData["Title"] = "Link refused";
        return Page();
    }
}
