using System.Globalization;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Charts;

/// <summary>One bar of a chart, in SVG user units; <see cref="Start"/> and <see cref="Value"/> make its tooltip.</summary>
public sealed record Bar(double X, double Y, double Width, double Height, DateTime Start, long Value);

/// <summary>Occurrence charts drawn on the server as SVG bars: a 24-hour sparkline per list row, hourly and daily histograms.</summary>
public static class OccurrenceChart
{
    /// <summary>A coordinate as an SVG attribute: invariant, two decimals at most.</summary>
    public static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Gap between bars, as a share of a bar's slot.</summary>
    private const double Gap = 0.15;

    /// <summary>
    /// Sums hourly counts into <paramref name="buckets"/> consecutive buckets of <paramref name="step"/> ending with the
    /// one that holds <paramref name="now"/>; buckets are aligned to whole steps (hours, UTC days). Older counts are left out.
    /// </summary>
    public static (DateTime Start, long Count)[] Buckets(IEnumerable<(DateTime Hour, long Count)> hourly, DateTime now, int buckets, TimeSpan step)
    {
        var last = new DateTime(now.Ticks - now.Ticks % step.Ticks, DateTimeKind.Utc);
        var first = last - step * (buckets - 1);
        var result = new (DateTime, long)[buckets];
        for (var i = 0; i < buckets; i++) result[i] = (first + step * i, 0);
        foreach (var (hour, count) in hourly)
        {
            if (hour < first) continue;
            var index = (int)((hour - first).Ticks / step.Ticks);
            if (index < buckets) result[index].Item2 += count;
        }
        return result;
    }

    /// <summary>
    /// Bars filling <paramref name="width"/> × <paramref name="height"/>, scaled to the largest value; a bucket with any
    /// occurrence is at least one unit tall so a single event still shows, an empty one has no height.
    /// </summary>
    public static IReadOnlyList<Bar> Bars(IReadOnlyList<(DateTime Start, long Count)> buckets, double width, double height)
    {
        if (buckets.Count == 0) return [];
        var max = buckets.Max(b => b.Count);
        var slot = width / buckets.Count;
        var bars = new List<Bar>(buckets.Count);
        for (var i = 0; i < buckets.Count; i++)
        {
            var (start, count) = buckets[i];
            var h = max == 0 || count == 0 ? 0 : Math.Max(1, height * count / max);
            bars.Add(new Bar(slot * i + slot * Gap / 2, height - h, slot * (1 - Gap), h, start, count));
        }
        return bars;
    }

    /// <summary>The hourly counts of several incidents since <paramref name="since"/>, in one query.</summary>
    public static async Task<ILookup<long, (DateTime Hour, long Count)>> HourlyAsync(AlertsDbContext db, IReadOnlyCollection<long> incidentIds,
        DateTime since, CancellationToken ct)
    {
        if (incidentIds.Count == 0) return Array.Empty<(long, DateTime, long)>().ToLookup(x => x.Item1, x => (x.Item2, x.Item3));
        var from = IncidentHourlyCount.HourOf(since);
        var rows = await db.IncidentHourlyCounts.Where(h => incidentIds.Contains(h.IncidentId) && h.Hour >= from)
            .Select(h => new { h.IncidentId, h.Hour, h.Count }).ToListAsync(ct);
        return rows.ToLookup(r => r.IncidentId, r => (DateTime.SpecifyKind(r.Hour, DateTimeKind.Utc), r.Count));
    }
}
