using Alerts.Dashboard.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Alerts.Dashboard.Pages;

[EnableRateLimiting(DashboardExtensions.LoginRateLimit)]
public sealed class LoginModel(UserAccounts accounts) : PageModel
{
    [BindProperty] public string Email { get; set; } = "";
    [BindProperty] public string Password { get; set; } = "";
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var user = await accounts.VerifyAsync(Email, Password, ct);
        if (user is null)
        {
            // The same words whether the account is unknown, the password wrong or the account locked.
            Error = $"Wrong e-mail or password, or too many failed attempts (an account is locked for {UserAccounts.LockoutPeriod.TotalMinutes:0} minutes after {UserAccounts.MaxFailedLogins}).";
            return Page();
        }
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, UserSessions.PrincipalFor(user));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
