using Alerts.Core.Data;
using Alerts.Dashboard.Accounts;
using Alerts.Dashboard.Api;
using Hangfire;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The JSON API: signed-in users (cookie) or API tokens (Bearer).</summary>
    public const string Policy = "Dashboard";

    /// <summary>The pages: signed-in users only, so a visitor is sent to the login page.</summary>
    public const string PagesPolicy = "DashboardPages";

    public const string JobsPath = "/jobs";

    /// <summary>Whether this process has Hangfire's job storage, so its dashboard at <see cref="JobsPath"/> exists.</summary>
    public static bool HasJobs(IServiceProvider services) =>
        services.GetService<IServiceProviderIsService>()?.IsService(typeof(JobStorage)) == true;

    /// <summary>Users and API tokens, for the Dashboard and for the commands that make them.</summary>
    public static IHostApplicationBuilder AddDashboardAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UserAccounts>();
        builder.Services.AddSingleton<ApiTokens>();
        return builder;
    }

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.AddDashboardAccounts();
        var services = builder.Services;
        services.TryAddSingleton<IgnoreRuleStore>();
        services.TryAddSingleton<ProjectRecipientStore>();
        // One key ring for every dashboard node and restart; the application name isolates it from other apps' rings.
        services.AddDataProtection().SetApplicationName("Alerts");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(
            o => o.XmlRepository = new DatabaseXmlRepository(sp.GetRequiredService<IDbContextFactory<AlertsDbContext>>())));
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.Cookie.Name = "alerts.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.Events.OnRedirectToLogin = ctx =>
                {
                    // An API client gets a status code, not a login page.
                    if (ctx.Request.Path.StartsWithSegments("/api")) ctx.Response.StatusCode = 401;
                    else ctx.Response.Redirect(ctx.RedirectUri);
                    return Task.CompletedTask;
                };
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser())
            .AddPolicy(PagesPolicy, p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        services.AddRazorPages(o => o.Conventions.AuthorizeFolder("/", PagesPolicy).AllowAnonymousToPage("/Login").AllowAnonymousToPage("/Error"))
            .AddApplicationPart(typeof(DashboardExtensions).Assembly);
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapIncidentsApi();
        // Hangfire's dashboard where this process has job storage (the notifier role registers it).
        // Asked without resolving it: Hangfire must configure itself (its logging) for this host before the storage is made.
        if (HasJobs(app.Services))
            app.MapHangfireDashboard(JobsPath, new DashboardOptions { Authorization = [new SignedInJobsFilter()], AppPath = "/", DashboardTitle = "Alerts jobs" })
                .RequireAuthorization(PagesPolicy);
        return app;
    }
}
