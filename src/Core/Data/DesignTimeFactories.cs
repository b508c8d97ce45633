using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Alerts.Core.Data;

// Used by `dotnet ef migrations add` only; the running service builds contexts in AlertsDbContextFactory.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAlertsDbContext>
{
    public SqliteAlertsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAlertsDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAlertsDbContext>
{
    public PostgresAlertsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAlertsDbContext>().UseNpgsql("Host=localhost;Database=alerts_design").Options);
}
