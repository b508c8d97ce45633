using System.Globalization;
using System.Security.Claims;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Memory;

namespace Alerts.Dashboard.Accounts;

/// <summary>
/// Login sessions bound to the user's security stamp: a cookie is good only while the stamp it was issued with is the
/// user's current one, checked on every request. Logout, a new password and <c>alerts users sign-out-all</c> change
/// the stamp, so a copied or replayed cookie stops working everywhere.
/// </summary>
public sealed class UserSessions(UserAccounts accounts, IMemoryCache cache)
{
    public const string StampClaim = "alerts:security-stamp";

    /// <summary>How long a stamp is trusted from memory: a session ended on another node (or by the CLI) ends here within this.</summary>
    public static readonly TimeSpan StampCacheLifetime = TimeSpan.FromSeconds(5);

    public static ClaimsPrincipal PrincipalFor(User user) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Email),
            new Claim(StampClaim, user.SecurityStamp),
        ],
        CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>The cookie handler's check on every request: a session whose stamp is not the user's current one is refused.</summary>
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var stamp = principal?.FindFirstValue(StampClaim);
        if (stamp is not null && UserIdOf(principal!) is { } id && await CurrentStampAsync(id, context.HttpContext.RequestAborted) == stamp) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>Ends this session and every other of the same user.</summary>
    public async Task SignOutEverywhereAsync(HttpContext http)
    {
        if (http.User.FindFirstValue(ClaimTypes.Name) is { } email)
        {
            await accounts.SignOutEverywhereAsync(email, http.RequestAborted);
            if (UserIdOf(http.User) is { } id) cache.Remove(CacheKey(id)); // this node refuses the old cookie at once
        }
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private Task<string?> CurrentStampAsync(long userId, CancellationToken ct) =>
        cache.GetOrCreateAsync(CacheKey(userId), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = StampCacheLifetime;
            return accounts.SecurityStampAsync(userId, ct);
        });

    private static long? UserIdOf(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static (string, long) CacheKey(long userId) => ("security-stamp", userId);
}
