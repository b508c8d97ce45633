using System.Collections.Concurrent;
using System.Globalization;
using Alerts.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Alerts.Notifier.Tests.Crawler;

/// <summary>
/// A site for the crawler, served by Kestrel's static files from a temp folder (ETag, Last-Modified, 304 as a real
/// server answers) on 127.0.0.1, and the same server on 127.0.0.2 as "another site". Counts every request it gets.
/// </summary>
public sealed class TestSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestSite(WebApplication app, string root, Uri home, Uri other)
    {
        _app = app;
        Root = root;
        Home = home;
        Other = other;
    }

    public string Root { get; }
    /// <summary>http://127.0.0.1:port/</summary>
    public Uri Home { get; }
    /// <summary>http://127.0.0.2:port/, another host name for the same server: an external site.</summary>
    public Uri Other { get; }
    public ConcurrentQueue<(string Method, string Url, string UserAgent, int Status)> Requests { get; } = new();

    public string Url(string path) => new Uri(Home, path).AbsoluteUri;

    public void Write(string path, string content)
    {
        var file = Path.Combine(Root, path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
    }

    public void Delete(string path) => File.Delete(Path.Combine(Root, path.TrimStart('/')));

    /// <summary>Starts the server; <paramref name="redirects"/> maps paths to where they redirect (301).</summary>
    public static async Task<TestSite> StartAsync(IReadOnlyDictionary<string, string>? redirects = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "alerts-site-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var port = FreePort.Next();
        var otherPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}", $"http://127.0.0.2:{otherPort}");
        var app = builder.Build();
        var site = new TestSite(app, root, new Uri($"http://127.0.0.1:{port}/"), new Uri($"http://127.0.0.2:{otherPort}/"));
        app.Use(async (context, next) =>
        {
            await next(context);
            site.Requests.Enqueue((context.Request.Method, $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}",
                context.Request.Headers.UserAgent.ToString(), context.Response.StatusCode));
        });
        app.Use(async (context, next) =>
        {
            if (redirects?.GetValueOrDefault(context.Request.Path.Value ?? "") is { } to)
            {
                context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
                context.Response.Headers.Location = to;
                return;
            }
            await next(context);
        });
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, ServeUnknownFileTypes = true, DefaultContentType = "text/plain" });
        await app.StartAsync();
        return site;
    }

    public int Count(string method, string url) => Requests.Count(r => r.Method == method && r.Url == url);

    public string Describe() => string.Join("\n", Requests.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Method} {r.Url} {r.Status}")));

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
