using System.Globalization;
using System.Net;
using Alerts.TestSupport;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// What an operator of a production install sees: a database newer than the binary is refused, forwarded headers are
/// believed from the configured proxies only, https is enforced when asked for.
/// </summary>
public sealed class ProductionHostingTests(ITestOutputHelper output)
{
    private const string FutureMigration = "29991231235959_FromANewerVersion";
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_SqliteDatabaseMigratedByANewerVersion_RefusesNamingTheMigration()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next());
        Assert.Equal(0, (await alerts.RunAsync(env, "migrate")).ExitCode);
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(alerts.WorkingDirectory, "data", "alerts.db")};Pooling=false"))
        {
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = $"""INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ('{FutureMigration}', '99.0.0')""";
            await cmd.ExecuteNonQueryAsync();
        }

        await AssertRefusedAsync(alerts, env);
    }

    [Fact]
    public async Task Serve_PostgresDatabaseMigratedByANewerVersion_RefusesNamingTheMigration()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var alerts = new AlertsProcess(output.WriteLine);
        var connectionString = await postgres.CreateDatabaseAsync("alerts");
        var env = E2eSettings.Smtp(FreePort.Next()).With(("Alerts__Database__Provider", "Postgres"), ("ConnectionStrings__Alerts", connectionString));
        var migrate = await alerts.RunAsync(env, "migrate");
        Assert.True(migrate.ExitCode == 0, $"alerts migrate failed on PostgreSQL: {migrate}");
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync();
            await using var cmd = new NpgsqlCommand($"""INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ('{FutureMigration}', '99.0.0')""", db);
            await cmd.ExecuteNonQueryAsync();
        }

        await AssertRefusedAsync(alerts, env);
    }

    [Fact]
    public async Task Serve_KnownProxyThatIsNotAnAddress_RefusesToStartNamingTheKey()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next()).With(("Alerts__Http__KnownProxies__0", "nginx.internal"));

        var run = await alerts.RunAsync(env, ExitTimeout, "serve", "--urls", LocalUrl());

        Assert.True(run.ExitCode != 0, $"serve started anyway: {run}");
        Assert.Contains("Alerts:Http:KnownProxies:0", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireHttps_BelievesForwardedProtoFromTheKnownProxyOnly()
    {
        var https = E2eSettings.Smtp(FreePort.Next()).With(("Alerts__Http__RequireHttps", "true"), ("Alerts__Http__HttpsPort", "8443"));

        // Behind a proxy at 127.0.0.1 that ended TLS: the page is served, with HSTS.
        await using (var behindProxy = new AlertsProcess(output.WriteLine))
        {
            await behindProxy.StartServeAsync(https.With(("Alerts__Http__KnownProxies__0", "127.0.0.1")));
            using var client = NotFollowingRedirects(behindProxy);
            using var page = await client.SendAsync(Get("/login", forwardedProto: "https"));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("max-age=", string.Join(",", page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);

            using var plain = await client.SendAsync(Get("/login", forwardedProto: null));
            Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
            Assert.Equal("https://alerts.example.com:8443/login", plain.Headers.Location?.ToString());

            using var probe = await client.SendAsync(Get("/readyz", forwardedProto: null));
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        // The same header from a client that is not a known proxy is not believed: still redirected, no HSTS.
        await using var direct = new AlertsProcess(output.WriteLine);
        await direct.StartServeAsync(https.With(("Alerts__Http__KnownProxies__0", "10.0.0.10")));
        using var directClient = NotFollowingRedirects(direct);
        using var spoofed = await directClient.SendAsync(Get("/login", forwardedProto: "https"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, spoofed.StatusCode);
        Assert.False(spoofed.Headers.Contains("Strict-Transport-Security"));
    }

    private static async Task AssertRefusedAsync(AlertsProcess alerts, Dictionary<string, string> env)
    {
        var serve = await alerts.RunAsync(env, ExitTimeout, "serve", "--urls", LocalUrl());
        Assert.True(serve.ExitCode != 0, $"serve started on a newer database: {serve}");
        Assert.Contains(FutureMigration, serve.StandardError, StringComparison.Ordinal);

        var migrate = await alerts.RunAsync(env, ExitTimeout, "migrate");
        Assert.True(migrate.ExitCode != 0, $"migrate ran on a newer database: {migrate}");
        Assert.Contains(FutureMigration, migrate.StandardError, StringComparison.Ordinal);
    }

    private static HttpClient NotFollowingRedirects(AlertsProcess alerts) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = alerts.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    private static HttpRequestMessage Get(string path, string? forwardedProto)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "alerts.example.com";
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        return request;
    }

    private static string LocalUrl() => $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
}
