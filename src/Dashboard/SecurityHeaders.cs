using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerts.Dashboard;

/// <summary>
/// A Content-Security-Policy on every Dashboard page: scripts and styles only from this response's nonce (an injected
/// tag has none), no plugins, no framing, forms and fetches to this origin only. The third-party pages (the API reference
/// and the jobs dashboard) bring their own inline code and get no policy; like every response, they refuse framing.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "alerts.csp-nonce";

    // The static 500 page is written after the response was cleared, so it cannot carry a nonce: its style is allowed by hash.
    private static readonly string ErrorStyleHash =
        "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(ErrorPages.ServerErrorStyle))) + "'";

    /// <summary>This response's nonce, for the <c>nonce</c> attribute of the page's own <c>&lt;script&gt;</c> and <c>&lt;style&gt;</c>.</summary>
    public static string CspNonce(this HttpContext context) =>
        context.Items[NonceKey] as string ?? throw new InvalidOperationException("UseDashboardSecurityHeaders is not in the pipeline.");

    public static WebApplication UseDashboardSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Only pages run code: the APIs, ingestion included, spend nothing here (every response is already DENY to framing).
            if (!ErrorPages.IsPage(context)) return next(context);
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)); // hex: the same in the header and in HTML, which would encode a base64 "+"
            context.Items[NonceKey] = nonce;
            var policy = PagePolicy(nonce);
            // Set as the response starts: an error handler clears the headers set before it.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.ContentSecurityPolicy = policy;
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }

    internal static string PagePolicy(string nonce) =>
        $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}' {ErrorStyleHash}; img-src 'self' data:; " +
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
}
