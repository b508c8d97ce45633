using Alerts.Collector;
using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Messaging;
using Alerts.Core.Observability;
using Alerts.Core.Options;
using Alerts.Dashboard;
using Alerts.Notifier;
using Alerts.Notifier.Crawler;
using Alerts.Notifier.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Hosting;

/// <summary>Composes the modules by role: one binary, several roles.</summary>
public static class AlertsApp
{
    /// <param name="services">Changes to the services after the modules' (tests wrap a real component to observe it).</param>
    public static WebApplication CreateServer(string[] args, Roles roles, string? urls = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits beside the binary; data/ is relative to the working folder
        });
        SettingsCatalog.ThrowIfMalformed(builder.Configuration);
        if (!string.IsNullOrWhiteSpace(urls)) builder.WebHost.UseUrls(urls);
        builder.AddAlertsCore();
        builder.Services.AddAlertsHttp();
        builder.AddAlertsObservability($"alerts-{roles.ToString().ToLowerInvariant().Replace(", ", "-", StringComparison.Ordinal)}");
        builder.Services.AddProblemDetails();
        builder.AddApiDocs();
        if (roles.HasFlag(Roles.Collector)) builder.AddCollector();
        if (roles.HasFlag(Roles.Notifier)) builder.AddNotifier();
        else builder.AddSelfMonitoring();
        if (roles.HasFlag(Roles.Dashboard))
        {
            builder.AddDashboard();
            builder.Services.AddJobStorage(runsJobs: false); // shows the shared jobs; runs none
        }
        // The key ring (the dashboard's cookies, the notifier's mail links) unencrypted is said once, in our words, by
        // StartupWarnings instead of at every new key.
        if (UsesKeyRing(roles) && !(builder.Configuration.GetSection(KeyRingOptions.SectionName).Get<KeyRingOptions>()?.ProtectsKeys ?? false))
            builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        builder.Services.AddAlertsMessaging(builder.Configuration, bus =>
        {
            if (roles.HasFlag(Roles.Notifier)) bus.AddNotifierConsumers();
        }, roles.HasFlag(Roles.Notifier) ? HealthStatus.Unhealthy : HealthStatus.Degraded);

        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAlertsHttp();
        app.UseStatusCodePages();
        // After the error handlers, so the ingestion endpoints, which short-circuit at routing, still answer ProblemDetails;
        // before the dashboard's middleware, which they skip.
        app.UseRouting();
        if (roles.HasFlag(Roles.Dashboard)) app.UseDashboard();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }); // live: the process answers
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }); // database and bus
        app.MapAlertsMetrics();
        if (roles.HasFlag(Roles.Collector)) app.MapCollector();
        if (roles.HasFlag(Roles.Dashboard)) app.MapDashboard();
        app.MapApiDocs();
        return app;
    }

    /// <summary>A host for the one-shot commands: configuration, database and mail, no web server, no bus.</summary>
    public static IHost CreateCommandHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        SettingsCatalog.ThrowIfMalformed(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // stdout is the command's answer (a token, a DSN) that scripts capture; logs go to stderr.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddAlertsCore();
        builder.Services.AddMailSender();
        builder.Services.AddCrawlRunner();
        builder.AddDashboardAccounts();
        return builder.Build();
    }

    /// <summary>What this process will not do for want of a setting, said once at start-up.</summary>
    public static IEnumerable<string> StartupWarnings(IServiceProvider services, Roles roles)
    {
        var alerts = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
        if (roles.HasFlag(Roles.Notifier))
            foreach (var warning in alerts.UnmailedWarnings())
                yield return warning;
        if ((roles.HasFlag(Roles.Notifier) || roles.HasFlag(Roles.Dashboard)) && alerts.MissingBaseUrlNotice is { } notice)
            yield return notice;
        if (UsesKeyRing(roles) && !services.GetRequiredService<IOptions<KeyRingOptions>>().Value.ProtectsKeys)
            yield return $"The Dashboard's key ring (the keys that sign login cookies and mail action links) is stored unencrypted in the database: set "
                + $"{KeyRingOptions.SectionName}:CertificateFile to an RSA certificate to encrypt it (deploy/README.md, \"What to keep secret\").";
    }

    private static bool UsesKeyRing(Roles roles) => roles.HasFlag(Roles.Dashboard) || roles.HasFlag(Roles.Notifier);

    /// <summary>Validates every options class, applies migrations and seeds configured projects.</summary>
    public static async Task PrepareAsync(IServiceProvider services, bool migrate, CancellationToken ct)
    {
        services.GetService<IStartupValidator>()?.Validate();
        var migrator = services.GetRequiredService<DatabaseMigrator>();
        if (migrate) await migrator.MigrateAsync(ct);
        else await migrator.EnsureNotNewerAsync(ct);
        await services.GetRequiredService<ProjectSeeder>().SeedAsync(ct);
        await services.GetRequiredService<Core.Monitors.MonitorSeeder>().SeedAsync(ct);
    }
}
