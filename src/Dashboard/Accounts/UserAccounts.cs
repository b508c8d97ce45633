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

    public async Task<User?> VerifyAsync(string email, string password, CancellationToken ct)
    {
        var normalized = email.Trim().ToLowerInvariant();
        await using var db = await factory.CreateDbContextAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalized, ct);
        if (user is null)
        {
            Hasher.HashPassword(new User { Email = "", PasswordHash = "" }, password); // same cost whether or not the user exists
            return null;
        }
        return Hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed ? null : user;
    }
}
