using Alerts.Core.MailActions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Alerts.Dashboard.MailActions;

/// <summary>Snooze state after a one-click unsubscribe.</summary>
public sealed record UnsubscribeResult(long IncidentId, string Outcome, string Message);

/// <summary>
/// RFC 8058 one-click List-Unsubscribe: a mail client posts <c>List-Unsubscribe=One-Click</c> to the address in the mail's
/// <c>List-Unsubscribe</c> header, with no cookie and no page. The signed token in the address is the whole authority, so
/// the endpoint needs neither a login nor an antiforgery token; it only ever snoozes the one incident for its list.
/// </summary>
public static class MailActionsApi
{
    public const string UnsubscribePath = "/api/v1/mail/unsubscribe";

    public static IEndpointRouteBuilder MapMailActions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(UnsubscribePath).WithTags("Mail actions").AllowAnonymous().DisableAntiforgery();
        group.MapPost("/", UnsubscribeAsync).WithName("UnsubscribeOneClick")
            .WithSummary("RFC 8058 one-click unsubscribe: snoozes the mail's incident for its list (ADMINS or MANAGERS) for 7 days.")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(410);
        // A client without one-click support opens the address in a browser: the confirmation page asks first.
        group.MapGet("/", (string? token) => TypedResults.Redirect($"/mail/act?token={Uri.EscapeDataString(token ?? "")}"))
            .ExcludeFromDescription();
        return app;
    }

    public static async Task<Results<Ok<UnsubscribeResult>, ProblemHttpResult>> UnsubscribeAsync(
        HttpContext http, string? token, MailActionTokens tokens, MailActionExecutor executor, CancellationToken ct)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(ct) : null;
        if (form is null || form["List-Unsubscribe"] != "One-Click")
            return TypedResults.Problem(statusCode: 400, title: "Not a one-click unsubscribe",
                detail: "Post the form body List-Unsubscribe=One-Click (RFC 8058), or open the address in a browser to confirm there.");
        var (ticket, problem) = tokens.Read(token);
        if (problem == MailTokenProblem.Expired)
            return TypedResults.Problem(statusCode: 410, title: "Link expired", detail: "This mail's links have expired; use the Dashboard.");
        if (ticket is null || problem != MailTokenProblem.None || ticket.Action != MailAction.Unsubscribe)
            return TypedResults.Problem(statusCode: 400, title: "Invalid link", detail: "This unsubscribe link is not valid.");
        var result = await executor.ApplyAsync(ticket, "List-Unsubscribe one-click", ct);
        if (result.Outcome == MailActionOutcome.NotFound)
            return TypedResults.Problem(statusCode: 404, title: "Incident not found", detail: result.Message);
        return TypedResults.Ok(new UnsubscribeResult(ticket.IncidentId, result.Outcome == MailActionOutcome.Done ? "snoozed" : "already_snoozed", result.Message));
    }
}
