using System.Security.Cryptography;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Accounts;

/// <summary>Tokens for the JSON API: shown once at creation, stored only as a SHA-256 hash.</summary>
public sealed class ApiTokens(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    private const string Prefix = "alt_";

    public async Task<string> CreateAsync(string name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A token needs a name.", nameof(name));
        var token = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var db = await factory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(new ApiToken { Name = name.Trim(), TokenHash = Hash(token), CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return token;
    }

    public async Task<ApiToken?> FindAsync(string token, CancellationToken ct)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var hash = Hash(token);
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.ApiTokens.FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
