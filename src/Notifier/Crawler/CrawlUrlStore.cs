using System.Security.Cryptography;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Notifier.Crawler;

/// <summary>What an earlier run learnt of a URL, without a page's links (read only for a page answered 304).</summary>
internal sealed record CachedUrl(string? ETag, string? LastModified, int Status, bool Dead, DateTime CheckedAt);

/// <summary>
/// The crawler's memory of a site between runs (<see cref="CrawlUrl"/>): read once at the start without the links,
/// written in batches as the run goes.
/// </summary>
internal sealed class CrawlUrlStore(IDbContextFactory<AlertsDbContext> factory, WriteGate gate, string siteId)
{
    private const int FlushEvery = 200;
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(60);

    private Dictionary<string, CachedUrl> _known = [];
    private readonly List<CrawlUrl> _pending = [];

    public static string HashOf(string url) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));

    public async Task LoadAsync(CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        _known = await db.CrawlUrls.AsNoTracking().Where(u => u.SiteId == siteId)
            .Select(u => new { u.UrlHash, u.ETag, u.LastModified, u.Status, u.Dead, u.CheckedAt })
            .ToDictionaryAsync(u => u.UrlHash, u => new CachedUrl(u.ETag, u.LastModified, u.Status, u.Dead, u.CheckedAt), StringComparer.Ordinal, ct);
    }

    public CachedUrl? Find(string url) => _known.GetValueOrDefault(HashOf(url));

    public async Task<string?> LinksAsync(string url, CancellationToken ct)
    {
        var hash = HashOf(url);
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.CrawlUrls.AsNoTracking().Where(u => u.SiteId == siteId && u.UrlHash == hash).Select(u => u.Links).FirstOrDefaultAsync(ct);
    }

    public async Task RecordAsync(string url, string? etag, string? lastModified, int status, bool dead, string? links, DateTime now, CancellationToken ct)
    {
        if (url.Length > CrawlUrl.UrlMaxLength) return; // not remembered: such a URL is checked again next time
        _pending.Add(new CrawlUrl
        {
            SiteId = siteId, UrlHash = HashOf(url), Url = url, ETag = Cut(etag, 300), LastModified = Cut(lastModified, 100),
            Status = status, Dead = dead, Links = links, CheckedAt = now,
        });
        if (_pending.Count >= FlushEvery) await FlushAsync(ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.Count == 0) return;
        using var turn = await gate.EnterAsync(WriteTimeout, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        foreach (var row in _pending.DistinctBy(r => r.UrlHash))
        {
            if (_known.ContainsKey(row.UrlHash)) db.CrawlUrls.Update(row);
            else db.CrawlUrls.Add(row);
            _known[row.UrlHash] = new CachedUrl(row.ETag, row.LastModified, row.Status, row.Dead, row.CheckedAt);
        }
        await db.SaveChangesAsync(ct);
        _pending.Clear();
    }

    private static string? Cut(string? value, int max) => value is null || value.Length <= max ? value : null;
}
