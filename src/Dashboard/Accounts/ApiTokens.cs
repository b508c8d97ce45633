using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Accounts;

/// <summary>
/// Tokens for the JSON API: shown once at creation, stored only as a SHA-256 hash. Revoking deletes the row; lookups
/// are cached for <see cref="LookupTtl"/>, so another process's revocation takes effect within that time.
/// </summary>
public sealed class ApiTokens(IDbContextFactory<AlertsDbContext> factory, TimeProvider clock)
{
    private const string Prefix = "alt_";

    /// <summary>How long a lookup is trusted: it bounds how soon a token revoked elsewhere is refused.</summary>
    public static readonly TimeSpan LookupTtl = TimeSpan.FromSeconds(3);

    /// <summary>The precision of <see cref="ApiToken.LastUsedAt"/>: a busy script writes it at most this often.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private sealed record Lookup(long? Id, string? Name, DateTime? LastUsedAt, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<string, Lookup> _cache = new(StringComparer.Ordinal);

    /// <summary>What revoking by id or name did.</summary>
    public enum RevokeOutcome { Revoked, NotFound, Ambiguous }

    public async Task<string> CreateAsync(string name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A token needs a name.", nameof(name));
        var token = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var db = await factory.CreateDbContextAsync(ct);
        db.ApiTokens.Add(new ApiToken { Name = name.Trim(), TokenHash = Hash(token), CreatedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
        return token;
    }

    /// <summary>Every token, oldest first, without its hash.</summary>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.ApiTokens.OrderBy(t => t.Id).Select(Info).ToListAsync(ct);
    }

    /// <summary>
    /// The name of the token a request presents, or null when it is unknown or revoked; records when it was last used,
    /// at most once per <see cref="LastUsedResolution"/>.
    /// </summary>
    public async Task<string?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var hash = Hash(token);
        var now = clock.GetUtcNow();
        if (!_cache.TryGetValue(hash, out var lookup) || lookup.Expires <= now)
        {
            await using var db = await factory.CreateDbContextAsync(ct);
            var row = await db.ApiTokens.AsNoTracking().Where(t => t.TokenHash == hash)
                .Select(t => new { t.Id, t.Name, t.LastUsedAt }).FirstOrDefaultAsync(ct);
            if (_cache.Count > 10_000) _cache.Clear(); // bounded: a stream of made-up tokens cannot grow memory
            lookup = new Lookup(row?.Id, row?.Name, row?.LastUsedAt, now + LookupTtl);
            _cache[hash] = lookup;
        }
        if (lookup.Id is not { } id) return null;
        if (lookup.LastUsedAt is not { } last || now.UtcDateTime - last >= LastUsedResolution)
        {
            _cache[hash] = lookup with { LastUsedAt = now.UtcDateTime };
            await RecordUseAsync(id, now.UtcDateTime, ct);
        }
        return lookup.Name;
    }

    /// <summary>
    /// Deletes the token with this id, or else the one token with this name (several with it: none is deleted).
    /// This process refuses it at once, others within <see cref="LookupTtl"/>.
    /// </summary>
    public async Task<(RevokeOutcome Outcome, IReadOnlyList<ApiTokenInfo> Matches)> RevokeAsync(string idOrName, CancellationToken ct)
    {
        var trimmed = idOrName.Trim();
        await using var db = await factory.CreateDbContextAsync(ct);
        List<ApiToken> matches = [];
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            matches = await db.ApiTokens.AsNoTracking().Where(t => t.Id == id).ToListAsync(ct);
        if (matches.Count == 0)
            matches = await db.ApiTokens.AsNoTracking().Where(t => t.Name == trimmed).OrderBy(t => t.Id).ToListAsync(ct);
        var infos = matches.Select(ToInfo).ToList();
        if (matches.Count != 1) return (matches.Count == 0 ? RevokeOutcome.NotFound : RevokeOutcome.Ambiguous, infos);
        await DeleteAsync(db, matches[0], ct);
        return (RevokeOutcome.Revoked, infos);
    }

    /// <summary>Deletes the token with this id; false when there is none.</summary>
    public async Task<bool> RevokeAsync(long id, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
        return token is not null && await DeleteAsync(db, token, ct);
    }

    private async Task<bool> DeleteAsync(AlertsDbContext db, ApiToken token, CancellationToken ct)
    {
        var deleted = await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteDeleteAsync(ct) > 0;
        _cache.TryRemove(token.TokenHash, out _);
        return deleted;
    }

    private async Task RecordUseAsync(long id, DateTime now, CancellationToken ct)
    {
        var due = now - LastUsedResolution;
        await using var db = await factory.CreateDbContextAsync(ct);
        // Conditional, so several processes sharing the database still write at most once per resolution.
        await db.ApiTokens.Where(t => t.Id == id && (t.LastUsedAt == null || t.LastUsedAt <= due))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
    }

    private static readonly System.Linq.Expressions.Expression<Func<ApiToken, ApiTokenInfo>> Info =
        t => new ApiTokenInfo(t.Id, t.Name, t.CreatedAt, t.LastUsedAt);

    private static readonly Func<ApiToken, ApiTokenInfo> ToInfo = Info.Compile();

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}

/// <summary>What the CLI and the Dashboard show of a token: never the token, nor its hash.</summary>
public sealed record ApiTokenInfo(long Id, string Name, DateTime CreatedAt, DateTime? LastUsedAt);
