namespace Alerts.Core.Options;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>The <c>Alerts:Database</c> section; the connection string is <c>ConnectionStrings:Alerts</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Alerts:Database";
    public const string ConnectionStringName = "Alerts";
    public const string DefaultSqlite = "Data Source=data/alerts.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Bound from <c>ConnectionStrings:Alerts</c>, not from this section.</summary>
    public string ConnectionString { get; set; } = "";
}

internal static class DatabaseOptionsRules
{
    public static IEnumerable<string> Validate(DatabaseOptions o)
    {
        if (!Enum.IsDefined(o.Provider))
            yield return "Alerts:Database:Provider must be Sqlite or Postgres.";
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
            yield return "ConnectionStrings:Alerts is required.";
    }
}
