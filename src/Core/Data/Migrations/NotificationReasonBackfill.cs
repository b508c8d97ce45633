namespace Alerts.Core.Data.Migrations;

/// <summary>
/// Reads the typed reason of rows written before it had a column, from the display text they carry (the same SQL on
/// SQLite and PostgreSQL); the last place the text is read.
/// </summary>
internal static class NotificationReasonBackfill
{
    public const string Sql = """
        UPDATE "Notifications" SET
            "Cause" = CASE
                WHEN "Reason" LIKE 'first occurrence%' THEN 1
                WHEN "Reason" LIKE 'regression%' THEN 2
                WHEN "Reason" LIKE 'reached % occurrences%' THEN 3
                WHEN "Reason" LIKE '% more occurrences since the last mail%' THEN 4
                WHEN "Reason" LIKE 'held back:%' THEN 5
                WHEN "Reason" = 'storm summary' THEN 6
                WHEN "Reason" = 'broken-link digest' THEN 7
                ELSE 0 END,
            "Hold" = CASE
                WHEN "Reason" LIKE '%; broken-link mail is off%' THEN 1
                WHEN "Reason" LIKE '%; no ADMINS configured%' OR "Reason" LIKE '%; no MANAGERS configured%' THEN 2
                WHEN "Reason" LIKE '%; in digest%' THEN 3
                WHEN "Reason" LIKE '%; project cap reached%' THEN 4
                ELSE 0 END;
        """;
}
