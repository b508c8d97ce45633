using System.Net.Http.Headers;
using Alerts.Core.Data;
using Alerts.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Alerts.TestSupport;

/// <summary>
/// The real Alerts host, in-process, on a free loopback port with its own SQLite file and the File mail
/// backend: each test owns its app. For process-level behaviour (kill -9, the CLI) use the `alerts` binary.
/// </summary>
public sealed class AlertsTestApp : IAsyncDisposable
{
    public const string ProjectKey = "testkey-0123456789abcdef";
    public const long ProjectId = 1;

    private readonly WebApplication _app;

    private AlertsTestApp(WebApplication app, string directory, Uri baseAddress)
    {
        _app = app;
        Directory = directory;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress };
    }

    public string Directory { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;
    public string MailDirectory => Path.Combine(Directory, "mail");

    /// <summary>Default settings: one project (<see cref="ProjectKey"/>), one admin, one manager, File mail backend.</summary>
    /// <param name="port">The loopback port to listen on (a free one by default), for settings that must name the app's address.</param>
    public static async Task<AlertsTestApp> StartAsync(IReadOnlyDictionary<string, string>? settings = null, Roles roles = Roles.All,
        Action<IServiceCollection>? services = null, int? port = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "alerts-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var config = new Dictionary<string, string>
        {
            ["ConnectionStrings:Alerts"] = $"Data Source={Path.Combine(dir, "alerts.db")}",
            ["Alerts:Projects:0:Id"] = ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Alerts:Projects:0:Name"] = "shop",
            ["Alerts:Projects:0:Key"] = ProjectKey,
            ["Alerts:Admins:0:Name"] = "Ada Admin",
            ["Alerts:Admins:0:Email"] = "ada@example.com",
            ["Alerts:Managers:0:Name"] = "Max Manager",
            ["Alerts:Managers:0:Email"] = "max@example.com",
            ["Alerts:Email:Backend"] = "File",
            ["Alerts:Email:FilePath"] = Path.Combine(dir, "mail"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) config[k] = v;

        var url = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}");
        var app = AlertsApp.CreateServer([.. config.Select(kv => $"--{kv.Key}={kv.Value}")], roles, url.ToString(), services);
        await AlertsApp.PrepareAsync(app.Services, migrate: true, CancellationToken.None);
        await app.StartAsync();
        return new AlertsTestApp(app, dir, url);
    }

    /// <summary>Runs a query against the app's database.</summary>
    public async Task<T> QueryAsync<T>(Func<AlertsDbContext, Task<T>> query)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    /// <summary>The mails the File backend wrote, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Mails() =>
        !System.IO.Directory.Exists(MailDirectory) ? [] :
            [.. System.IO.Directory.GetFiles(MailDirectory, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))];

    /// <summary>A request to the native API with the project key.</summary>
    public static HttpRequestMessage EventRequest(string json, string? key = ProjectKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent(json, new MediaTypeHeaderValue("application/json")),
        };
        if (key is not null) request.Headers.Add("X-Alerts-Key", key);
        return request;
    }

    /// <summary>A Sentry store request carrying the SDK's own event id, as a Sentry SDK sends (and resends) it.</summary>
    public static HttpRequestMessage SentryStoreRequest(string eventId, string type = "ZeroDivisionError", string key = ProjectKey, long projectId = ProjectId)
    {
        var json = $$$"""
            {"event_id": "{{{eventId}}}", "platform": "python", "level": "error",
             "exception": {"values": [{"type": "{{{type}}}", "value": "division by zero",
               "stacktrace": {"frames": [{"filename": "shop/views.py", "function": "order_detail", "lineno": 42, "in_app": true}]}}]}}
            """;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{projectId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/store/")
        {
            Content = new StringContent(json, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_key={key}");
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { } // a file still held open must not fail the test
    }
}
