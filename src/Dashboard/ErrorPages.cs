using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Alerts.Dashboard;

/// <summary>
/// The pages' own error pages: a friendly 404 from the layout, and a static 500 (a constant: no database, no layout
/// that could fail in turn, never a stack trace). The APIs keep answering ProblemDetails.
/// </summary>
public static class ErrorPages
{
    /// <summary>The 500 page's style, which the Content-Security-Policy allows by its hash.</summary>
    public const string ServerErrorStyle = "body { font-family: system-ui, sans-serif; color: #1d2430; background: #f6f7f9; margin: 0; padding: 3rem 1rem; } " +
        "main { max-width: 32rem; margin: 0 auto; background: #fff; padding: 1.5rem; }";

    public const string ServerErrorHtml = $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>Something went wrong · Alerts</title>
        <style>{{ServerErrorStyle}}</style></head>
        <body><main><h1>Something went wrong</h1>
        <p>The page could not be shown because of an error on the server. It has been logged; please try again in a moment.</p>
        <p><a href="/">Back to the incident list</a></p></main></body>
        </html>
        """;

    /// <summary>For requests to the pages only: must come after the global ProblemDetails handlers, so it runs first.</summary>
    public static WebApplication UseDashboardErrorPages(this WebApplication app)
    {
        app.UseWhen(IsPage, pages =>
        {
            pages.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandler = async context =>
                {
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync(ServerErrorHtml);
                },
            });
        });
        // Not inside the branch above: re-executing needs the app's routing, which a branch does not get.
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.Use((context, next) =>
        {
            if (!IsPage(context) && context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false; // the APIs keep ProblemDetails
            return next(context);
        });
        return app;
    }

    internal static bool IsPage(HttpContext context)
    {
        var path = context.Request.Path;
        return !(path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments(DashboardExtensions.JobsPath)
                 || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"));
    }
}
