using Alerts.Dashboard.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alerts.Dashboard.Pages;

/// <summary>The JSON API's tokens: what each is for, when it was last used, and a way to revoke it.</summary>
public sealed class TokensModel(ApiTokens tokens) : PageModel
{
    public IReadOnlyList<ApiTokenInfo> Tokens { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        ViewData["Title"] = "API tokens";
        Tokens = await tokens.ListAsync(ct);
    }

    public async Task<IActionResult> OnPostRevokeAsync(long tokenId, CancellationToken ct) =>
        await tokens.RevokeAsync(tokenId, ct) ? RedirectToPage() : NotFound();
}
