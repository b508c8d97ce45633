using System.Threading.RateLimiting;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Dashboard.Accounts;
using Alerts.Dashboard.Api;
using Alerts.Dashboard.MailActions;
using Hangfire;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Alerts.Dashboard;

public static class DashboardExtensions
{
    /// <summary>The JSON API: signed-in users (cookie) or API tokens (Bearer).</summary>
    public const string Policy = "Dashboard";

    /// <summary>The pages: signed-in users only, so a visitor is sent to the login page.</summary>
    public const string PagesPolicy = "DashboardPages";

    /// <summary>Login attempts per client address: a guesser is slowed down across accounts, not only per account.</summary>
    public const string LoginRateLimit = "login";
    public const int LoginAttemptsPerMinute = 20;

    public const string JobsPath = "/jobs";

    /// <summary>Whether this process has Hangfire's job storage, so its dashboard at <see cref="JobsPath"/> exists.</summary>
    public static bool HasJobs(IServiceProvider services) =>
        services.GetService<IServiceProviderIsService>()?.IsService(typeof(JobStorage)) == true;

    /// <summary>Users and API tokens, for the Dashboard and for the commands that make them.</summary>
    public static IHostApplicationBuilder AddDashboardAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
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
        services.AddMemoryCache();
        services.AddSingleton<UserSessions>();
        builder.AddAlertsKeyRing();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.Cookie.Name = "alerts.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.Events.OnValidatePrincipal = ctx => ctx.HttpContext.RequestServices.GetRequiredService<UserSessions>().ValidateAsync(ctx);
                o.Events.OnRedirectToLogin = ctx =>
                {
                    // An API client gets a status code, not a login page.
                    if (ctx.Request.Path.StartsWithSegments("/api")) ctx.Response.StatusCode = 401;
                    else ctx.Response.Redirect(ctx.RedirectUri);
                    return Task.CompletedTask;
                };
            })
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser())
            .AddPolicy(PagesPolicy, p => p.AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(LoginRateLimit, http => HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = LoginAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                })
                : RateLimitPartition.GetNoLimiter(""));
        });
        services.AddScoped<MailActionExecutor>();
        services.AddRazorPages(o => o.Conventions.AuthorizeFolder("/", PagesPolicy).AllowAnonymousToPage("/Login").AllowAnonymousToPage("/Error")
                .AllowAnonymousToPage("/MailAction"))
            .AddApplicationPart(typeof(DashboardExtensions).Assembly);
        return builder;
    }

    /// <summary>The Dashboard's middleware, after routing: security headers, sessions, the login throttle.</summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        app.UseDashboardErrorPages();
        app.UseDashboardSecurityHeaders();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapIncidentsApi();
        app.MapMailActions();
        app.MapMonitorsApi();
        // Hangfire's dashboard where this process has job storage (the notifier role registers it).
        // Asked without resolving it: Hangfire must configure itself (its logging) for this host before the storage is made.
        if (HasJobs(app.Services))
            app.MapHangfireDashboard(JobsPath, new DashboardOptions { Authorization = [new SignedInJobsFilter()], AppPath = "/", DashboardTitle = "Alerts jobs" })
                .RequireAuthorization(PagesPolicy);
        return app;
    }
}
