using System.Net;
using Alerts.Client.AspNetCore;

namespace AspNetCoreShop;

/// <summary>
/// A small shop that reports to Alerts: an order page that fails (ADMINS get the error), a home page with a link to a
/// removed catalogue (MANAGERS get the broken link), and the shop's own error and not-found pages for the browser.
/// </summary>
public static class ShopApp
{
    public const string ErrorPageText = "Sorry, something went wrong on our side.";
    public const string NotFoundPageText = "This page does not exist.";

    /// <summary>The shop, configured from <paramref name="args"/> (<c>--urls</c>, <c>--Alerts:Dsn=...</c>) and appsettings.json.</summary>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Frames of this assembly are the app's own ("in app") in reports, also when a test host runs the shop.
            ApplicationName = typeof(ShopApp).Assembly.GetName().Name,
        });
        builder.Services.AddAlerts();

        var app = builder.Build();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ServerErrorPage });
        app.UseStatusCodePages(context => NotFoundPage(context.HttpContext));
        app.UseAlerts();
        app.MapGet("/", HomePage);
        app.MapGet("/orders/{id:int}", OrderPage);
        return app;
    }

    private static IResult HomePage() => Page("Shop", """
        <ul>
          <li><a href="/orders/1">Order 1</a></li>
          <li><a href="/orders/17">Order 17</a> (its page fails: the order has no lines)</li>
          <li><a href="/catalogue/winter-2019">Winter catalogue 2019</a> (removed: a broken internal link)</li>
        </ul>
        """);

    private static IResult OrderPage(int id)
    {
        if (Orders.Find(id) is not { } order) return Results.NotFound();
        var averageLine = order.Total / order.Lines; // order 17 has no lines: DivideByZeroException
        return Page($"Order {id}", $"<p>Total {order.Total:0.00}, {order.Lines} line(s), {averageLine:0.00} per line.</p>");
    }

    private static async Task ServerErrorPage(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Html("Server error", $"<p>{ErrorPageText}</p>"));
    }

    private static async Task NotFoundPage(HttpContext context)
    {
        if (context.Response.StatusCode != StatusCodes.Status404NotFound) return;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Html("Not found", $"<p>{NotFoundPageText}</p><p><a href=\"/\">Back to the shop</a></p>"));
    }

    private static IResult Page(string title, string body) => Results.Content(Html(title, body), "text/html; charset=utf-8");

    private static string Html(string title, string body) =>
        $"<!doctype html><html><head><title>{WebUtility.HtmlEncode(title)}</title></head><body><h1>{WebUtility.HtmlEncode(title)}</h1>{body}</body></html>";

    private sealed record Order(int Id, decimal Total, int Lines);

    private static class Orders
    {
        private static readonly Order[] All = [new(1, 42.50m, 2), new(17, 0m, 0)];

        public static Order? Find(int id) => All.FirstOrDefault(o => o.Id == id);
    }
}
