using Alerts.Dashboard.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alerts.Dashboard.Pages;

public sealed class LogoutModel(UserSessions sessions) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    /// <summary>Ends the user's sessions everywhere, so a copy of this cookie is worthless too.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await sessions.SignOutEverywhereAsync(HttpContext);
        return Redirect("/login");
    }
}
