using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Dashboard.Api;

public enum IncidentSort { LastSeen, Count }

/// <summary>
/// Where the previous page ended: the sort key and id of its last row. The next page starts strictly after it, so a
/// page costs one index range scan however deep it is (keyset pagination), and rows arriving meanwhile shift nothing.
/// </summary>
public sealed record IncidentCursor(IncidentSort Sort, long Key, long Id)
{
    /// <summary>Opaque to clients: base64url of <c>sort:key:id</c> (the key is ticks for last seen, the count otherwise).</summary>
    public string Encode()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{(Sort == IncidentSort.Count ? 'c' : 'l')}:{Key}:{Id}");
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(text));
    }

    public static IncidentCursor After(Incident last, IncidentSort sort) =>
        new(sort, sort == IncidentSort.Count ? last.Count : last.LastSeen.Ticks, last.Id);

    /// <summary>The cursor, or null when the text is not one this API made.</summary>
    public static IncidentCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 100) return null;
        string decoded;
        try { decoded = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)); }
        catch (FormatException) { return null; }
        var parts = decoded.Split(':');
        if (parts.Length != 3 || parts[0] is not ("l" or "c")) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var key)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return null;
        if (parts[0] == "l" && key > DateTime.MaxValue.Ticks) return null;
        return new IncidentCursor(parts[0] == "c" ? IncidentSort.Count : IncidentSort.LastSeen, key, id);
    }
}

/// <summary>The incident list's filters, as the page's query string and <c>GET /api/v1/incidents</c> both take them.</summary>
public sealed record IncidentFilter(
    IncidentStatus? Status = null,
    EventKind? Kind = null,
    long? ProjectId = null,
    string? Environment = null,
    string? Q = null,
    IncidentSort Sort = IncidentSort.LastSeen,
    IncidentCursor? Cursor = null,
    int Limit = IncidentFilter.DefaultLimit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Reads the query parameters; a wrong one is named in <paramref name="errors"/> (parameter → message).</summary>
    public static IncidentFilter Parse(string? status, string? kind, long? projectId, string? environment, string? q, string? sort,
        string? cursor, int? limit, out Dictionary<string, string[]> errors)
    {
        errors = [];
        IncidentStatus? s = null;
        if (!string.IsNullOrEmpty(status) && (s = ParseStatus(status)) is null)
            errors["status"] = ["Must be open, resolved, ignored or snoozed."];
        EventKind? k = null;
        if (!string.IsNullOrEmpty(kind) && (k = EventKinds.Parse(kind)) is null) errors["kind"] = ["Must be error or broken_link."];
        var order = IncidentSort.LastSeen;
        if (!string.IsNullOrEmpty(sort))
        {
            if (sort == "count") order = IncidentSort.Count;
            else if (sort != "last_seen") errors["sort"] = ["Must be last_seen or count."];
        }
        IncidentCursor? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            after = IncidentCursor.Decode(cursor);
            if (after is null) errors["cursor"] = ["Not a cursor from a previous page's next link."];
            else if (after.Sort != order) errors["cursor"] = ["The cursor belongs to another sort order."];
        }
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"Must be between 1 and {MaxLimit}."];
        if (environment?.Length > 200) errors["environment"] = ["At most 200 characters."];
        if (q?.Length > 200) errors["q"] = ["At most 200 characters."];
        return new IncidentFilter(s, k, projectId, Blank(environment), Blank(q), order, after, limit ?? DefaultLimit);
    }

    /// <summary>The query string of this filter (without the cursor); a link to another page adds its own.</summary>
    public Dictionary<string, string?> RouteValues() => new()
    {
        ["status"] = Status is { } s ? Names.Of(s) : null,
        ["kind"] = Kind is { } k ? EventKinds.Name(k) : null,
        ["projectId"] = ProjectId?.ToString(CultureInfo.InvariantCulture),
        ["environment"] = Environment,
        ["q"] = Q,
        ["sort"] = Sort == IncidentSort.Count ? "count" : null,
        ["limit"] = Limit == DefaultLimit ? null : Limit.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The list's address at <paramref name="path"/> with this filter, at the page <paramref name="cursor"/> names.</summary>
    public string Url(string path, string? cursor = null)
    {
        var values = RouteValues();
        values["cursor"] = cursor;
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(path, values.Where(v => v.Value is not null));
    }

    public static IncidentStatus? ParseStatus(string s) => s switch
    {
        "open" => IncidentStatus.Open,
        "resolved" => IncidentStatus.Resolved,
        "ignored" => IncidentStatus.Ignored,
        "snoozed" => IncidentStatus.Snoozed,
        _ => null,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>One page of incidents; <see cref="Next"/> continues after its last row, null on the last page.</summary>
public sealed record IncidentPage(IReadOnlyList<IncidentSummary> Items, string? Next);

/// <summary>The incident list's one query, shared by the page and the JSON API.</summary>
public static class IncidentList
{
    public static async Task<IncidentPage> QueryAsync(AlertsDbContext db, IncidentFilter f, CancellationToken ct)
    {
        var query = db.Incidents.AsQueryable();
        if (f.Status is { } status) query = query.Where(i => i.Status == status);
        if (f.Kind is { } kind) query = query.Where(i => i.Kind == kind);
        if (f.ProjectId is { } project) query = query.Where(i => i.ProjectId == project);
        if (f.Q is { } q)
        {
            var needle = q.ToLowerInvariant();
#pragma warning disable CA1862 // lower() on both sides is what translates to SQL on SQLite and PostgreSQL alike
            query = query.Where(i => i.Title.ToLower().Contains(needle));
#pragma warning restore CA1862
        }
        if (f.Environment is { } env)
        {
            // The environment of an incident is its latest event's: one primary-key probe per candidate row.
            var pattern = EnvironmentPattern(env);
            query = query.Where(i => db.Events.Any(e => e.Id == i.LastEventId && EF.Functions.Like(e.Payload, pattern, "\\")));
        }
        if (f.Sort == IncidentSort.Count)
        {
            if (f.Cursor is { } c) query = query.Where(i => i.Count < c.Key || (i.Count == c.Key && i.Id < c.Id));
            query = query.OrderByDescending(i => i.Count).ThenByDescending(i => i.Id);
        }
        else
        {
            if (f.Cursor is { } c)
            {
                var at = new DateTime(c.Key, DateTimeKind.Utc);
                query = query.Where(i => i.LastSeen < at || (i.LastSeen == at && i.Id < c.Id));
            }
            query = query.OrderByDescending(i => i.LastSeen).ThenByDescending(i => i.Id);
        }
        var rows = await query.Take(f.Limit + 1).ToListAsync(ct);
        var page = rows.Take(f.Limit).ToList();
        var next = rows.Count > f.Limit ? IncidentCursor.After(page[^1], f.Sort).Encode() : null;
        var environments = await EnvironmentsAsync(db, page, ct);
        return new IncidentPage([.. page.Select(i => IncidentsApi.ToSummary(i) with { Environment = environments.GetValueOrDefault(i.LastEventId ?? "") })], next);
    }

    /// <summary>The LIKE pattern matching a stored payload's environment member, exactly as <see cref="EventJson"/> writes it.</summary>
    public static string EnvironmentPattern(string environment)
    {
        var member = "\"environment\":" + JsonSerializer.Serialize(environment);
        return "%" + member.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
    }

    /// <summary>The environment of each incident's latest event, read in one query for the whole page.</summary>
    private static async Task<Dictionary<string, string>> EnvironmentsAsync(AlertsDbContext db, List<Incident> page, CancellationToken ct)
    {
        var ids = page.Select(i => i.LastEventId).OfType<string>().ToList();
        if (ids.Count == 0) return [];
        var payloads = await db.Events.Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Payload }).ToListAsync(ct);
        return payloads.Select(p => (p.Id, EventJson.Read(p.Payload).Environment)).Where(p => p.Environment is not null)
            .ToDictionary(p => p.Id, p => p.Environment!);
    }
}
