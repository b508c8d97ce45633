using Microsoft.Extensions.Configuration;

namespace Alerts.Core.Options;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>The <c>Alerts:Database</c> section; the connection string is <c>ConnectionStrings:Alerts</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Alerts:Database";
    public const string ConnectionStringName = "Alerts";
    public const string DefaultSqlite = "Data Source=data/alerts.db";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// SQLite only: the most the database file may grow to, in MiB; 0 is no limit. Past it, writes fail as on a full
    /// disk and posts get 429 until retention frees room.
    /// </summary>
    public int MaxSizeMegabytes { get; set; }

    /// <summary>Bound from <c>ConnectionStrings:Alerts</c>, not from this section.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The provider as registration reads it, before options are bound, to choose its services; a name that is not a
    /// provider chooses the default here and fails validation at start-up.
    /// </summary>
    public static DatabaseProvider ProviderIn(IConfiguration configuration) =>
        Enum.TryParse<DatabaseProvider>(configuration[$"{SectionName}:{nameof(Provider)}"], ignoreCase: true, out var provider)
            && Enum.IsDefined(provider) ? provider : DatabaseProvider.Sqlite;

    internal static IEnumerable<string> Validate(DatabaseOptions o)
    {
        if (!Enum.IsDefined(o.Provider))
            yield return "Alerts:Database:Provider must be Sqlite or Postgres.";
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
            yield return "ConnectionStrings:Alerts is required.";
        if (o.MaxSizeMegabytes is < 0 or > 16 * 1024 * 1024)
            yield return "Alerts:Database:MaxSizeMegabytes must be between 0 (no limit) and 16777216.";
    }
}
