using System.Globalization;
using System.Net;
using Alerts.Client.AspNetCore;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerts.Clients.Tests;

/// <summary>Where an app puts UseAlerts() relative to its own error handling: each error is reported once, and the app still answers.</summary>
public sealed class MiddlewarePlacementTests
{
    [Theory]
    [InlineData("alerts inside the exception handler", false, false)]
    [InlineData("alerts inside a re-executing exception handler", false, true)]
    [InlineData("alerts outside the exception handler", true, false)]
    [InlineData("alerts outside a re-executing exception handler", true, true)]
    public async Task UnhandledException_IsReportedOnce_AndTheAppsHandlerAnswers(string placement, bool alertsOutside, bool reExecute)
    {
        var url = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.Services.AddAlerts(o => o.Dsn = ShopHost.Dsn(FreePort.Next())); // nothing listens: only the report counts here
        await using var app = builder.Build();
        if (alertsOutside) app.UseAlerts();
        if (reExecute) app.UseExceptionHandler("/error");
        else app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = c => c.Response.WriteAsync("handled") });
        if (!alertsOutside) app.UseAlerts();
        app.MapGet("/error", () => "handled");
        app.MapGet("/boom", string () => throw new InvalidOperationException("boom"));
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var response = await http.GetAsync("/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("handled", (await response.Content.ReadAsStringAsync()).Trim('"'));
        Assert.True(app.Services.GetRequiredService<AlertsEventBuffer>().Reported == 1, placement);
    }

    [Fact]
    public async Task Disabled_PassesRequestsOnWithoutADsn()
    {
        var url = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.Services.AddAlerts(o => o.Enabled = false);
        await using var app = builder.Build();
        app.UseAlerts();
        app.MapGet("/", () => "ok");
        await app.StartAsync();

        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/missing");
        request.Headers.Referrer = new Uri(url + "/");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, app.Services.GetRequiredService<AlertsEventBuffer>().Reported);
    }

    [Fact]
    public async Task MissingDsn_StopsStartUpNamingTheKey()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        builder.Services.AddAlerts();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Alerts:Dsn is required", error.Message, StringComparison.Ordinal);
    }
}
