using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Accounts;

/// <summary>Dashboard users: passwords hashed with ASP.NET Core Identity's hasher (PBKDF2).</summary>
public sealed class UserAccounts(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    public const int MinPasswordLength = 10;
    private static readonly PasswordHasher<User> Hasher = new();

    /// <summary>Creates the user, or sets a new password when the e-mail is already known.</summary>
    public async Task<bool> CreateOrUpdateAsync(string email, string password, CancellationToken ct)
    {
        if (!EmailAddress.IsValid(email)) throw new ArgumentException($"'{email}' is not an e-mail address.", nameof(email));
        if (password.Length < MinPasswordLength)
            throw new ArgumentException($"The password must have at least {MinPasswordLength} characters.", nameof(password));
        var normalized = email.Trim().ToLowerInvariant();
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.AsTracking().FirstOrDefaultAsync(u => u.Email == normalized, ct);
        var created = user is null;
        user ??= db.Users.Add(new User { Email = normalized, PasswordHash = "", CreatedAt = clock.GetUtcNow().UtcDateTime }).Entity;
        user.PasswordHash = Hasher.HashPassword(user, password);
        await db.SaveChangesAsync(ct);
        return created;
    }

    /// <summary>Failed logins in a row that lock an account, and for how long.</summary>
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutPeriod = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The user when the password is right and the account is not locked; every failure counts, and the
    /// <see cref="MaxFailedLogins"/>th locks the account for <see cref="LockoutPeriod"/> (then counting starts again).
    /// </summary>
    public async Task<User?> VerifyAsync(string email, string password, CancellationToken ct)
    {
        var normalized = email.Trim().ToLowerInvariant();
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct);
        if (user is null)
        {
            Hasher.HashPassword(new User { Email = "", PasswordHash = "" }, password); // same cost whether or not the user exists
            return null;
        }
        var right = Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
        if (user.LockoutEnd > now) return null; // checked after hashing, so a locked account answers as slowly as any other
        if (right)
        {
            if (user.FailedLoginCount > 0 || user.LockoutEnd is not null)
                await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(u => u.FailedLoginCount, 0).SetProperty(u => u.LockoutEnd, (DateTime?)null), ct);
            return user;
        }
        var until = now + LockoutPeriod;
        // One statement, so concurrent guesses are all counted.
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.LockoutEnd, u => u.FailedLoginCount + 1 >= MaxFailedLogins ? until : u.LockoutEnd)
            .SetProperty(u => u.FailedLoginCount, u => u.FailedLoginCount + 1 >= MaxFailedLogins ? 0 : u.FailedLoginCount + 1), ct);
        return null;
    }
}
