using System.Net;
using Alerts.Core.Observability;
using Alerts.Core.Options;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Hosting;

/// <summary>
/// The <c>Alerts:Http</c> section: the reverse proxies whose X-Forwarded-For/-Proto headers are believed, and
/// whether the service is reached over TLS (then HSTS and a redirect from http).
/// </summary>
public sealed class HttpOptions
{
    public const string SectionName = "Alerts:Http";

    /// <summary>Addresses of the proxies (nginx) in front; forwarded headers from anyone else are ignored.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) whose proxies are believed, for proxies without fixed addresses.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Clients reach the service over https (at the proxy or here): send HSTS and redirect http to https.</summary>
    public bool RequireHttps { get; set; }

    /// <summary>The https port clients use, for the redirect.</summary>
    public int HttpsPort { get; set; } = 443;

    /// <summary>How long browsers remember to use https only (HSTS max-age).</summary>
    public int HstsMaxAgeDays { get; set; } = 365;

    public bool TrustsProxies => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    internal static IEnumerable<string> Validate(HttpOptions o)
    {
        for (var i = 0; i < o.KnownProxies.Count; i++)
            if (!IPAddress.TryParse(o.KnownProxies[i], out _))
                yield return $"Alerts:Http:KnownProxies:{i} '{o.KnownProxies[i]}' is not an IP address.";
        for (var i = 0; i < o.KnownNetworks.Count; i++)
            if (!System.Net.IPNetwork.TryParse(o.KnownNetworks[i], out _))
                yield return $"Alerts:Http:KnownNetworks:{i} '{o.KnownNetworks[i]}' is not a network in CIDR notation (10.0.0.0/8).";
        if (o.HttpsPort is < 1 or > 65535) yield return $"Alerts:Http:HttpsPort {o.HttpsPort} is not a TCP port (1-65535).";
        if (o.HstsMaxAgeDays is < 0 or > 730) yield return "Alerts:Http:HstsMaxAgeDays must be between 0 and 730.";
    }

    /// <summary>Forwarded headers believed from the configured proxies only (ASP.NET's loopback defaults dropped).</summary>
    internal void Apply(ForwardedHeadersOptions forwarded)
    {
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies) forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in KnownNetworks) forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
    }
}

internal static class HttpRegistration
{
    /// <summary>Forwarded headers, HSTS and the https redirect, all from <see cref="HttpOptions"/>.</summary>
    public static IServiceCollection AddAlertsHttp(this IServiceCollection services)
    {
        services.AddValidatedOptions<HttpOptions>(HttpOptions.SectionName, HttpOptions.Validate);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpOptions>>((f, http) => http.Value.Apply(f));
        services.AddOptions<HstsOptions>().Configure<IOptions<HttpOptions>>((h, http) => h.MaxAge = TimeSpan.FromDays(http.Value.HstsMaxAgeDays));
        services.AddOptions<HttpsRedirectionOptions>().Configure<IOptions<HttpOptions>>((r, http) => r.HttpsPort = http.Value.HttpsPort);
        // Behind a proxy that ends TLS the request itself may look like http: the cookies are Secure all the same.
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<HttpOptions>>((a, http) =>
        {
            if (http.Value.RequireHttps) a.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<IOptions<HttpOptions>>((c, http) =>
        {
            if (http.Value.RequireHttps) c.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        });
        return services;
    }

    /// <summary>The front of the pipeline: the client's address and scheme, then errors as ProblemDetails, then https.</summary>
    public static WebApplication UseAlertsHttp(this WebApplication app)
    {
        var http = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value;
        if (http.TrustsProxies) app.UseForwardedHeaders(); // first: everything after sees the client's address and scheme
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(SetSecurityHeaders, context); // as the response starts: an error handler clears earlier headers
            return next(context);
        });
        app.UseExceptionHandler(); // ProblemDetails, never a stack trace; the developer page exists only in Development
        if (http.RequireHttps)
        {
            app.UseHsts();
            // Probes and scrapes come over plain http from inside; they are not redirected.
            app.UseWhen(ctx => !ObservabilityRegistration.IsProbe(ctx.Request.Path), a => a.UseHttpsRedirection());
        }
        return app;
    }

    /// <summary>On every response: never framed (clickjacking), never sniffed into another content type, no full URL leaked as a referrer.</summary>
    private static Task SetSecurityHeaders(object state)
    {
        var headers = ((HttpContext)state).Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers.TryAdd("Referrer-Policy", "same-origin"); // a page may ask for less (the mail-action page: none, its address holds a token)
        return Task.CompletedTask;
    }
}
