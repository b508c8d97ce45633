using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Alerts.Core.Tests;

/// <summary>A notification's typed reason, its display text, and the migration that typed the rows written before.</summary>
public sealed class NotificationReasonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-reasons-").FullName;

    /// <summary>Display text written before the typed columns (as the Dashboard showed it) → the types the migration reads.</summary>
    private static readonly Dictionary<string, (NotificationReason Cause, NotificationHold Hold)> Texts = new()
    {
        ["first occurrence"] = (NotificationReason.FirstOccurrence, NotificationHold.None),
        ["regression"] = (NotificationReason.Regression, NotificationHold.None),
        ["reached 100 occurrences"] = (NotificationReason.Ladder, NotificationHold.None),
        ["12 more occurrences since the last mail"] = (NotificationReason.MoreSinceLastMail, NotificationHold.None),
        ["held back: user agent curl"] = (NotificationReason.HeldBack, NotificationHold.None),
        ["storm summary"] = (NotificationReason.StormSummary, NotificationHold.None),
        ["broken-link digest"] = (NotificationReason.BrokenLinkDigest, NotificationHold.None),
        ["first occurrence; project cap reached (10 mails in 30 min)"] = (NotificationReason.FirstOccurrence, NotificationHold.ProjectCap),
        ["regression; in digest"] = (NotificationReason.Regression, NotificationHold.InDigest),
        ["first occurrence; no MANAGERS configured"] = (NotificationReason.FirstOccurrence, NotificationHold.NoRecipients),
        ["first occurrence; broken-link mail is off (SendBrokenLinkEmails)"] = (NotificationReason.FirstOccurrence, NotificationHold.BrokenLinkMailOff),
    };

    public static TheoryData<string> TextsWritten => [.. Texts.Keys];

    [Theory]
    [MemberData(nameof(TextsWritten))]
    public void NotificationText_OfTheTypes_IsTheTextShownBefore(string text)
    {
        var (cause, hold) = Texts[text];
        var figures = new NotificationText.Hold(text.Contains("MANAGERS", StringComparison.Ordinal) ? EventKind.BrokenLink : EventKind.Error, 10, 30);
        var count = cause switch { NotificationReason.Ladder => 100, NotificationReason.MoreSinceLastMail => 12, _ => 0 };

        Assert.Equal(text, NotificationText.For(cause, count, hold, figures, cause == NotificationReason.HeldBack ? "user agent curl" : null));
    }

    [Fact]
    public async Task TypedReasonMigration_ReadsTheTypesOfExistingRowsFromTheirText()
    {
        var options = new DbContextOptionsBuilder<SqliteAlertsDbContext>().UseSqlite($"Data Source={Path.Combine(_dir, "alerts.db")};Pooling=False").Options;
        await using var db = new SqliteAlertsDbContext(options);
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(db.Database.GetMigrations().First()); // the squashed Initial: text reasons only
        foreach (var text in Texts.Keys)
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Notifications" ("ProjectId", "Reason", "Status", "Recipients", "Subject", "Body", "CreatedAt", "Attempts", "NextAttemptAt")
                VALUES (1, {text}, 1, '', '', '', '2026-11-23 10:00:00', 1, '2026-11-23 10:00:00')
                """);

        await migrator.MigrateAsync();

        var rows = await db.Notifications.AsNoTracking().ToDictionaryAsync(n => n.Reason, n => (n.Cause, n.Hold));
        Assert.Equal(Texts.OrderBy(t => t.Key, StringComparer.Ordinal), rows.OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
