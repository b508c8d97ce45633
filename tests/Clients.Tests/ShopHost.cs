using System.Diagnostics;
using System.Globalization;
using System.Net;
using Alerts.Client.AspNetCore;
using Alerts.TestSupport;
using AspNetCoreShop;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Clients.Tests;

/// <summary>The sample shop (samples/AspNetCoreShop), in-process on a free loopback port, reporting to the DSN it is started with.</summary>
internal sealed class ShopHost : IAsyncDisposable
{
    public const string BrowserUserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

    private readonly WebApplication app;

    private ShopHost(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd(BrowserUserAgent);
    }

    public Uri BaseAddress { get; }

    /// <summary>A browser: it follows the shop's links with a User-Agent.</summary>
    public HttpClient Client { get; }

    /// <summary>What the client reported, sent, dropped.</summary>
    public AlertsEventBuffer Events => app.Services.GetRequiredService<AlertsEventBuffer>();

    /// <summary>"host:port", as a broken-link mail names the site.</summary>
    public string Host => BaseAddress.Authority;

    public static string Dsn(int port) =>
        $"http://{AlertsTestApp.ProjectKey}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AlertsTestApp.ProjectId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Gets a page as the browser would, checks its status and returns how long it took.</summary>
    public async Task<TimeSpan> GetAsync(string path, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        using var response = await Client.GetAsync(path);
        await response.Content.ReadAsStringAsync();
        clock.Stop();
        Assert.Equal(expected, response.StatusCode);
        return clock.Elapsed;
    }

    /// <param name="settings">More configuration, as <c>Alerts:QueueCapacity=10</c>.</param>
    public static async Task<ShopHost> StartAsync(string dsn, params string[] settings)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");
        var app = ShopApp.Create(
        [
            $"--urls={url}",
            $"--contentRoot={Path.Combine(RepoPaths.Root, "samples", "AspNetCoreShop")}",
            $"--Alerts:Dsn={dsn}",
            "--Logging:LogLevel:Default=Warning",
            .. settings.Select(s => "--" + s),
        ]);
        await app.StartAsync();
        return new ShopHost(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
