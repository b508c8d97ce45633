using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Accounts;

/// <summary>Dashboard users: passwords hashed with ASP.NET Core Identity's hasher (PBKDF2).</summary>
public sealed class UserAccounts(IDbContextFactory<AlertsDbContext> factory, IPasswordHasher<User> hasher, TimeProvider clock)
{
    public const int MinPasswordLength = 10;

    /// <summary>Creates the user, or sets a new password when the e-mail is already known (which ends the user's sessions).</summary>
    public async Task<bool> CreateOrUpdateAsync(string email, string password, CancellationToken ct)
    {
        if (!EmailAddress.IsValid(email)) throw new ArgumentException($"'{email}' is not an e-mail address.", nameof(email));
        RequireStrongEnough(password);
        var normalized = Normalize(email);
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.AsTracking().FirstOrDefaultAsync(u => u.Email == normalized, ct);
        var created = user is null;
        user ??= db.Users.Add(new User { Email = normalized, PasswordHash = "", CreatedAt = clock.GetUtcNow().UtcDateTime }).Entity;
        user.PasswordHash = hasher.HashPassword(user, password);
        user.SecurityStamp = User.NewSecurityStamp();
        await db.SaveChangesAsync(ct);
        return created;
    }

    /// <summary>Sets a new password for an existing user (which ends the user's sessions): false when there is no such user.</summary>
    public async Task<bool> SetPasswordAsync(string email, string password, CancellationToken ct)
    {
        RequireStrongEnough(password);
        var normalized = Normalize(email);
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.AsTracking().FirstOrDefaultAsync(u => u.Email == normalized, ct);
        if (user is null) return false;
        user.PasswordHash = hasher.HashPassword(user, password);
        user.SecurityStamp = User.NewSecurityStamp();
        user.FailedLoginCount = 0;
        user.LockoutEnd = null;
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Every user, by e-mail.</summary>
    public async Task<List<User>> ListAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Users.OrderBy(u => u.Email).ToListAsync(ct);
    }

    /// <summary>Deletes the user; a session of theirs is refused at its next request. False when there is no such user.</summary>
    public async Task<bool> DeleteAsync(string email, CancellationToken ct)
    {
        var normalized = Normalize(email);
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Users.Where(u => u.Email == normalized).ExecuteDeleteAsync(ct) > 0;
    }

    private static void RequireStrongEnough(string password)
    {
        if (password.Length < MinPasswordLength)
            throw new ArgumentException($"The password must have at least {MinPasswordLength} characters.", nameof(password));
    }

    /// <summary>Ends every session of the user (every login cookie, on every node): false when there is no such user.</summary>
    public async Task<bool> SignOutEverywhereAsync(string email, CancellationToken ct)
    {
        var normalized = Normalize(email);
        await using var db = await factory.CreateDbContextAsync(ct);
        var stamp = User.NewSecurityStamp();
        return await db.Users.Where(u => u.Email == normalized).ExecuteUpdateAsync(s => s.SetProperty(u => u.SecurityStamp, stamp), ct) > 0;
    }

    /// <summary>The stamp a session of the user must carry, or null when the user no longer exists.</summary>
    public async Task<string?> SecurityStampAsync(long userId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(ct);
    }

    /// <summary>Failed logins in a row that lock an account, and for how long.</summary>
    public const int MaxFailedLogins = 5;
    public static readonly TimeSpan LockoutPeriod = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The user when the password is right and the account is not locked. Each attempt is counted before its password
    /// is tested, and the <see cref="MaxFailedLogins"/>th locks the account for <see cref="LockoutPeriod"/>, so at most
    /// that many guesses are ever tested per period, however many arrive at once; a right password clears the count.
    /// </summary>
    public async Task<User?> VerifyAsync(string email, string password, CancellationToken ct)
    {
        var normalized = Normalize(email);
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + LockoutPeriod;
        await using var db = await factory.CreateDbContextAsync(ct);
        // Check and count in one conditional statement: a guess in flight takes its turn here, or finds the account locked.
        var admitted = await db.Users.Where(u => u.Email == normalized && (u.LockoutEnd == null || u.LockoutEnd <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(u => u.LockoutEnd, u => u.FailedLoginCount + 1 >= MaxFailedLogins ? until : (DateTime?)null)
                .SetProperty(u => u.FailedLoginCount, u => u.FailedLoginCount + 1 >= MaxFailedLogins ? 0 : u.FailedLoginCount + 1), ct) > 0;
        var user = admitted ? await db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct) : null;
        if (user is null)
        {
            hasher.HashPassword(new User { Email = "", PasswordHash = "" }, password); // unknown or locked: as slow as a wrong password
            return null;
        }
        if (hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed) return null;
        // Clears the count only while unlocked: a lockout that guesses set while this password was being tested stays.
        await db.Users.Where(u => u.Id == user.Id && (u.LockoutEnd == null || u.LockoutEnd <= now)).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.FailedLoginCount, 0).SetProperty(u => u.LockoutEnd, (DateTime?)null), ct);
        return user;
    }

    private static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
