using Alerts.Collector;
using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Messaging;
using Alerts.Dashboard;
using Alerts.Notifier;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Hosting;

/// <summary>Composes the modules by role: one binary, several roles.</summary>
public static class AlertsApp
{
    public static WebApplication CreateServer(string[] args, Roles roles, string? urls = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory, // appsettings.json sits beside the binary; data/ is relative to the working folder
        });
        if (!string.IsNullOrWhiteSpace(urls)) builder.WebHost.UseUrls(urls);
        builder.AddAlertsCore();
        builder.Services.AddProblemDetails();
        builder.AddApiDocs();
        if (roles.HasFlag(Roles.Collector)) builder.AddCollector();
        if (roles.HasFlag(Roles.Notifier)) builder.AddNotifier();
        else builder.AddSelfMonitoring();
        if (roles.HasFlag(Roles.Dashboard)) builder.AddDashboard();
        builder.Services.AddAlertsMessaging(builder.Configuration, bus =>
        {
            if (roles.HasFlag(Roles.Notifier)) bus.AddNotifierConsumers();
        });

        var app = builder.Build();
        app.UseExceptionHandler(); // ProblemDetails, never a stack trace
        app.UseStatusCodePages();
        if (roles.HasFlag(Roles.Dashboard))
        {
            app.UseDashboardErrorPages();
            app.UseAuthentication();
            app.UseAuthorization();
        }
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }); // live: the process answers
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
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
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // stdout is the command's answer (a token, a DSN) that scripts capture; logs go to stderr.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddAlertsCore();
        builder.Services.AddMailSender();
        builder.AddDashboardAccounts();
        return builder.Build();
    }

    /// <summary>Validates every options class, applies migrations and seeds configured projects.</summary>
    public static async Task PrepareAsync(IServiceProvider services, bool migrate, CancellationToken ct)
    {
        services.GetService<IStartupValidator>()?.Validate();
        if (migrate) await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        await services.GetRequiredService<ProjectSeeder>().SeedAsync(ct);
    }
}
