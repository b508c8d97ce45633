using Alerts.Core.Domain;
using Alerts.Core.Monitors;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Alerts.Core.Data;

/// <summary>The model. Each provider has a subclass so that each keeps its own migration set.</summary>
public abstract class AlertsDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectKey> ProjectKeys => Set<ProjectKey>();
    public DbSet<StoredEvent> Events => Set<StoredEvent>();
    public DbSet<SeenEventId> EventIds => Set<SeenEventId>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<BrokenLinkReferrer> BrokenLinkReferrers => Set<BrokenLinkReferrer>();
    public DbSet<IgnoreRule> IgnoreRules => Set<IgnoreRule>();
    public DbSet<IncidentHourlyCount> IncidentHourlyCounts => Set<IncidentHourlyCount>();
    public DbSet<CronMonitor> Monitors => Set<CronMonitor>();
    public DbSet<MonitorCheckIn> MonitorCheckIns => Set<MonitorCheckIn>();
    public DbSet<CrawlRun> CrawlRuns => Set<CrawlRun>();
    public DbSet<CrawlUrl> CrawlUrls => Set<CrawlUrl>();
    /// <summary>The Dashboard's data-protection key ring, shared by every node (login cookies, antiforgery).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every timestamp is UTC; SQLite forgets the kind, so it is restored on read.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var b = modelBuilder;
        b.Entity<Project>(e =>
        {
            e.Property(p => p.Id).ValueGeneratedNever(); // ids are chosen by people: they appear in DSNs
            e.Property(p => p.Name).HasMaxLength(200);
            e.Property(p => p.Admins).HasMaxLength(4000);
            e.Property(p => p.Managers).HasMaxLength(4000);
            e.HasMany(p => p.Keys).WithOne().HasForeignKey(k => k.ProjectId);
        });
        b.Entity<ProjectKey>(e =>
        {
            e.Property(k => k.Key).HasMaxLength(64);
            e.HasIndex(k => k.Key).IsUnique();
        });
        b.Entity<StoredEvent>(e =>
        {
            e.ToTable("Events");
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.Fingerprint).HasMaxLength(64);
            // Only grouped events: an ungrouped one is found by IX_Events_Ungrouped, and leaving it out spares every inbox commit a b-tree.
            // In sample order: grouping reads an incident's newest samples from the top, past none of the entries its pruning left behind.
            e.HasIndex(x => new { x.IncidentId, x.ReceivedAt, x.Id }).HasFilter("\"IncidentId\" IS NOT NULL").HasDatabaseName("IX_Events_Samples");
            e.HasIndex(x => x.ReceivedAt).HasFilter("\"IncidentId\" IS NULL").HasDatabaseName("IX_Events_Ungrouped");
        });
        b.Entity<SeenEventId>(e =>
        {
            e.ToTable("EventIds");
            e.Property(x => x.Id).HasMaxLength(16);
        });
        b.Entity<Incident>(e =>
        {
            e.Property(x => x.Fingerprint).HasMaxLength(64);
            e.Property(x => x.Title).HasMaxLength(IncidentTitle.MaxLength);
            e.Property(x => x.LastEventId).HasMaxLength(32);
            e.Property(x => x.IgnoredBy).HasMaxLength(Incident.IgnoredByMaxLength);
            e.HasIndex(x => new { x.ProjectId, x.Fingerprint }).IsUnique();
            // Keyset pagination of the Dashboard's list: by last seen or by count, id breaking ties.
            e.HasIndex(x => new { x.LastSeen, x.Id }).HasDatabaseName("IX_Incidents_LastSeen_Id");
            e.HasIndex(x => new { x.Count, x.Id }).HasDatabaseName("IX_Incidents_Count_Id");
            e.HasIndex(x => new { x.ProjectId, x.LastSeen });
        });
        b.Entity<IncidentHourlyCount>(e =>
        {
            e.HasKey(x => new { x.IncidentId, x.Hour }); // the upsert's conflict target
            e.HasOne<Incident>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<BrokenLinkReferrer>(e =>
        {
            // The key is the upsert's conflict target: one row per referring page of an incident.
            e.HasKey(x => new { x.IncidentId, x.Referrer });
            e.Property(x => x.Referrer).HasMaxLength(BrokenLinkReferrer.MaxLength);
            e.HasOne<Incident>().WithMany().HasForeignKey(x => x.IncidentId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<IgnoreRule>(e =>
        {
            e.Property(x => x.Pattern).HasMaxLength(1000);
            e.Property(x => x.CreatedBy).HasMaxLength(254);
            e.HasIndex(x => new { x.ProjectId, x.Pattern }).IsUnique();
        });
        b.Entity<Notification>(e =>
        {
            e.Property(x => x.EventId).HasMaxLength(32);
            e.Property(x => x.Reason).HasMaxLength(Notification.ReasonMaxLength);
            e.HasIndex(x => x.IncidentId);
            e.HasIndex(x => new { x.ProjectId, x.CreatedAt });
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
        });
        b.Entity<CronMonitor>(e =>
        {
            e.ToTable("Monitors");
            e.Property(x => x.Slug).HasMaxLength(CronMonitor.SlugMaxLength);
            e.Property(x => x.Crontab).HasMaxLength(CronMonitor.CrontabMaxLength);
            e.Property(x => x.TimeZone).HasMaxLength(64);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.ComplexProperty(x => x.Uptime, u =>
            {
                u.Property(x => x.Url).HasColumnName("UptimeUrl").HasMaxLength(UptimeTarget.UrlMaxLength);
                u.Property(x => x.Method).HasColumnName("UptimeMethod");
                u.Property(x => x.TimeoutSeconds).HasColumnName("UptimeTimeoutSeconds");
                u.Property(x => x.StatusMin).HasColumnName("UptimeStatusMin");
                u.Property(x => x.StatusMax).HasColumnName("UptimeStatusMax");
                u.Property(x => x.Keyword).HasColumnName("UptimeKeyword").HasMaxLength(UptimeTarget.KeywordMaxLength);
                u.Property(x => x.FollowRedirects).HasColumnName("UptimeFollowRedirects");
                u.Property(x => x.CertificateWarningDays).HasColumnName("UptimeCertificateWarningDays");
                u.Ignore(x => x.SafeUrl);
            });
            e.HasIndex(x => new { x.ProjectId, x.Slug }).IsUnique();
            e.HasIndex(x => x.Uuid).IsUnique();
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<MonitorCheckIn>(e =>
        {
            e.Property(x => x.CheckInId).HasMaxLength(32);
            e.Property(x => x.Environment).HasMaxLength(MonitorCheckIn.EnvironmentMaxLength);
            e.Property(x => x.Log).HasMaxLength(MonitorCheckIn.LogMaxBytes);
            e.HasIndex(x => new { x.MonitorId, x.CheckInId }).IsUnique();
            e.HasIndex(x => new { x.MonitorId, x.StartedAt });
            e.HasOne<CronMonitor>().WithMany().HasForeignKey(x => x.MonitorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<CrawlRun>(e =>
        {
            e.Property(x => x.SiteId).HasMaxLength(CrawlRun.SiteIdMaxLength);
            e.Property(x => x.StartUrl).HasMaxLength(CrawlUrl.UrlMaxLength);
            e.Property(x => x.Note).HasMaxLength(CrawlRun.NoteMaxLength);
            e.HasIndex(x => new { x.SiteId, x.StartedAt });
            // At most one running crawl per site across every notifier: a second claim fails on this index.
            e.HasIndex(x => x.SiteId).IsUnique().HasFilter("\"Status\" = 0").HasDatabaseName("IX_CrawlRuns_Running");
        });
        b.Entity<CrawlUrl>(e =>
        {
            e.HasKey(x => new { x.SiteId, x.UrlHash });
            e.Property(x => x.SiteId).HasMaxLength(CrawlRun.SiteIdMaxLength);
            e.Property(x => x.UrlHash).HasMaxLength(64);
            e.Property(x => x.Url).HasMaxLength(CrawlUrl.UrlMaxLength);
            e.Property(x => x.ETag).HasMaxLength(300);
            e.Property(x => x.LastModified).HasMaxLength(100);
        });
        b.Entity<User>(e =>
        {
            e.Property(x => x.Email).HasMaxLength(254);
            e.Property(x => x.SecurityStamp).HasMaxLength(User.SecurityStampLength);
            e.HasIndex(x => x.Email).IsUnique();
        });
        b.Entity<ApiToken>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.TokenHash).HasMaxLength(64);
            e.HasIndex(x => x.TokenHash).IsUnique();
        });
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteAlertsDbContext(DbContextOptions<SqliteAlertsDbContext> options) : AlertsDbContext(options);

public sealed class PostgresAlertsDbContext(DbContextOptions<PostgresAlertsDbContext> options) : AlertsDbContext(options);
