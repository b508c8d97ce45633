using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Alerts.Core.Data;

public sealed class DatabaseMigrator(IDatabaseProvider provider, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken ct)
    {
        await EnsureNotNewerAsync(ct);
        await using var db = await provider.CreateDbContextAsync(ct);
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
            logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(ct);
        await provider.ConfigureMigratedAsync(db.Database, ct);
    }

    /// <summary>
    /// Refuses a database that a newer version of Alerts has migrated: this code would misread its tables.
    /// Throws an <see cref="InvalidOperationException"/> naming the unknown migrations.
    /// </summary>
    public async Task EnsureNotNewerAsync(CancellationToken ct)
    {
        await using var db = await provider.CreateDbContextAsync(ct);
        var unknown = UnknownMigrations(await db.Database.GetAppliedMigrationsAsync(ct), db.Database.GetMigrations());
        if (unknown.Count > 0)
            throw new InvalidOperationException(
                $"The database has {unknown.Count} migration(s) this version of Alerts does not know: {string.Join(", ", unknown)}. " +
                "It was migrated by a newer version; run that version (or a newer one), or restore a backup made for this one.");
    }

    /// <summary>Applied migrations the code does not have, in the order they were applied.</summary>
    public static IReadOnlyList<string> UnknownMigrations(IEnumerable<string> applied, IEnumerable<string> known)
    {
        var have = known.ToHashSet(StringComparer.Ordinal);
        return [.. applied.Where(m => !have.Contains(m))];
    }
}
