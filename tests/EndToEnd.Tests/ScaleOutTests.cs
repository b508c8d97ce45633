using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alerts.TestSupport;
using Npgsql;
using Xunit.Abstractions;
using Alerts.Notifier.Decide;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// The scale-out deployment as separate <c>alerts</c> processes on real engines: PostgreSQL and RabbitMQ started
/// on loopback, <c>alerts migrate</c>, two collectors, two notifiers and a dashboard.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int FloodSize = 2000;
    private const int Parallelism = 24;
    private static readonly int ProjectCap = new AlertPolicyOptions().ProjectCap; // the default the processes run with
    private static readonly TimeSpan GroupingTimeout = TimeSpan.FromSeconds(90);

    private readonly List<AlertsProcess> processes = [];
    private PostgresServer postgres = null!;
    private RabbitMqServer rabbit = null!;
    private MailDevServer mailDev = null!;
    private NginxServer? nginx;
    private Dictionary<string, string> env = null!;

    public async Task InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        var postgresStart = PostgresServer.StartAsync();
        var rabbitStart = RabbitMqServer.StartAsync();
        var mailStart = MailDevServer.StartAsync();
        postgres = await postgresStart;
        rabbit = await rabbitStart;
        mailDev = await mailStart;
        env = E2eSettings.Smtp(mailDev.SmtpPort).With(
            ("Alerts__Database__Provider", "Postgres"),
            ("ConnectionStrings__Alerts", await postgres.CreateDatabaseAsync("alerts")),
            ("Alerts__Messaging__Transport", "RabbitMq"),
            ("ConnectionStrings__RabbitMq", rabbit.Uri),
            ("Alerts__Http__KnownProxies__0", "127.0.0.1")); // nginx
        output.WriteLine($"PostgreSQL, RabbitMQ and MailDev up in {started.Elapsed.TotalSeconds:F1} s");
    }

    public async Task DisposeAsync()
    {
        if (nginx is not null)
        {
            await nginx.DisposeAsync();
        }

        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        await mailDev.DisposeAsync();
        await rabbit.DisposeAsync();
        await postgres.DisposeAsync();
    }

    [Fact]
    public async Task Flood_ThroughTwoCollectors_CountsEveryAcknowledgedEventOnce_MailsOnce_AcrossABrokerRestart()
    {
        var migrator = New();
        var migrate = await migrator.RunAsync(env, "migrate");
        Assert.True(migrate.ExitCode == 0, $"alerts migrate failed: {migrate}");
        var token = await migrator.CreateTokenAsync(env);

        var collectors = new[] { New(), New() };
        var notifiers = new[] { New(), New() };
        var dashboard = New();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(
            collectors.Select(c => c.StartServeAsync(env, "collector"))
                .Concat(notifiers.Select(n => n.StartServeAsync(env, "notifier")))
                .Append(dashboard.StartServeAsync(env, "dashboard")));
        output.WriteLine($"5 alerts processes up in {clock.Elapsed.TotalSeconds:F1} s");
        // Ready means the database and the broker are reachable, as a load balancer's probe sees it.
        await Task.WhenAll(processes.Skip(1).Select(p => Wait.UntilAsync(
            async () =>
            {
                using var ready = await p.Client.GetAsync("/readyz");
                return ready.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30), $"/readyz of {p.BaseAddress} to answer 200")));

        // Both notifiers run their jobs on the one Hangfire storage in PostgreSQL (the dashboard runs none), so a
        // recurring sweep is taken by one of them per tick.
        await Wait.UntilAsync(async () => await HangfireServersAsync() == notifiers.Length, TimeSpan.FromSeconds(30),
            $"{notifiers.Length} Hangfire servers in the shared PostgreSQL storage");

        // The collectors behind deploy/nginx/alerts.conf, as in deploy/compose.scale.yaml.
        var nginxPort = FreePort.Next();
        var site = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "nginx", "alerts.conf")))
            .Replace("listen 80;", $"listen 127.0.0.1:{nginxPort.ToString(CultureInfo.InvariantCulture)};", StringComparison.Ordinal)
            .Replace("collector-1:8080", collectors[0].BaseAddress.Authority, StringComparison.Ordinal)
            .Replace("collector-2:8080", collectors[1].BaseAddress.Authority, StringComparison.Ordinal)
            .Replace("dashboard:8080", dashboard.BaseAddress.Authority, StringComparison.Ordinal);
        nginx = await NginxServer.StartAsync(site, nginxPort);
        using var viaNginx = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        // 1. A flood of one error through nginx and both collectors at once: one incident, counted exactly, one mail.
        clock.Restart();
        var first = await FloodAsync(viaNginx, FloodSize, during: null);
        output.WriteLine($"flood 1: {first.Accepted} accepted, {first.Refused} refused in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(FloodSize, first.Accepted);
        var incident = Assert.Single(await dashboard.Client.WaitForIncidentsAsync(token, rows => rows.Sum(r => r.Count) >= first.Accepted,
            $"{first.Accepted} occurrences to be grouped", GroupingTimeout));
        output.WriteLine($"flood 1 grouped {clock.Elapsed.TotalSeconds:F1} s after it began");
        Assert.Equal(first.Accepted, incident.Count);

        var mails = await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout);
        Assert.Contains("ZeroDivisionError", Assert.Single(mails).Subject, StringComparison.Ordinal);
        var sent = await NotificationsAsync(dashboard.Client, token, incident.Id);
        Assert.True(sent.Count == 1, $"One mail decision expected, got: {string.Join("; ", sent)}");

        // 2. The broker restarts in the middle of a second flood. Collectors keep answering 202 (the database is
        //    the source of truth); every acknowledged event is counted once, and still one mail.
        clock.Restart();
        var second = await FloodAsync(viaNginx, FloodSize, during: async () =>
        {
            await rabbit.StopAsync();
            output.WriteLine($"RabbitMQ stopped at {clock.Elapsed.TotalSeconds:F1} s");
            // Readiness shows the broker gone: a notifier is not ready; a collector is degraded but stays in its
            // load balancer, since it keeps acknowledging events.
            await Wait.UntilAsync(
                async () =>
                {
                    using var ready = await notifiers[0].Client.GetAsync("/readyz");
                    return ready.StatusCode == HttpStatusCode.ServiceUnavailable;
                },
                TimeSpan.FromSeconds(30), "a notifier's /readyz to answer 503 with the broker down");
            using (var collectorReady = await collectors[0].Client.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.OK, collectorReady.StatusCode);
                Assert.Equal("Degraded", await collectorReady.Content.ReadAsStringAsync());
            }
            // Posts while the broker is down must still be acknowledged.
            await Task.WhenAll(collectors.Select(c => c.Client.PostEventAsync(SampleEvents.Error())));
            await rabbit.StartNodeAsync();
            output.WriteLine($"RabbitMQ started again at {clock.Elapsed.TotalSeconds:F1} s");
            return collectors.Length;
        });
        output.WriteLine($"flood 2: {second.Accepted} accepted, {second.Refused} refused in {clock.Elapsed.TotalSeconds:F1} s");
        var acknowledged = first.Accepted + second.Accepted;
        var after = Assert.Single(await dashboard.Client.WaitForIncidentsAsync(token, rows => rows.Sum(r => r.Count) >= acknowledged,
            $"{acknowledged} occurrences to be grouped after the broker restart", GroupingTimeout));
        output.WriteLine($"flood 2 grouped {clock.Elapsed.TotalSeconds:F1} s after it began");
        Assert.Equal(acknowledged, after.Count);
        Assert.Equal(incident.Id, after.Id);

        var others = await mailDev.MailsBeforeSentinelAsync(collectors[0].Client);
        Assert.Single(others);
        Assert.Single(await NotificationsAsync(dashboard.Client, token, incident.Id));

        // 3. A storm of distinct errors decided by both notifiers at once: the project cap is exact. The flood's
        //    mail and the sentinel's already took two places in the window.
        const int distinct = 30;
        await Task.WhenAll(Enumerable.Range(0, distinct).Select(i =>
            collectors[i % collectors.Length].Client.PostEventAsync(SampleEvents.Error(type: $"StormError{i}", path: $"/storm/{i}"))));
        var storm = (await dashboard.Client.WaitForIncidentsAsync(token, rows => rows.Count(r => r.Title.Contains("StormError", StringComparison.Ordinal)) == distinct,
            $"{distinct} storm incidents", GroupingTimeout)).Where(r => r.Title.Contains("StormError", StringComparison.Ordinal)).ToList();
        var decisions = new List<string>();
        foreach (var row in storm)
        {
            decisions.AddRange(await NotificationsAsync(dashboard.Client, token, row.Id));
        }

        var mailed = decisions.Count(d => !d.EndsWith("(skipped)", StringComparison.Ordinal));
        Assert.True(mailed == ProjectCap - 2, $"{mailed} storm mails decided, the cap leaves {ProjectCap - 2}: {string.Join("; ", decisions)}");

        // Each collector's scrape endpoint counts what it acknowledged (the sentinel and the storm included).
        var scraped = new List<long>();
        foreach (var collector in collectors)
        {
            scraped.Add(AcceptedCounter(await collector.Client.GetStringAsync("/metrics")));
        }

        output.WriteLine($"accepted per collector: {string.Join(", ", scraped)}");
        Assert.Equal(acknowledged + 1 + distinct, scraped.Sum());
        Assert.All(scraped, n => Assert.True(n > FloodSize / 4, $"nginx left a collector nearly idle: {string.Join(", ", scraped)}"));
    }

    /// <summary>The sum of <c>alerts_events_accepted_total</c> over its series in a Prometheus scrape.</summary>
    private static long AcceptedCounter(string scrape) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith("alerts_events_accepted_total{", StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));

    private async Task<long> HangfireServersAsync()
    {
        await using var db = new NpgsqlConnection(env["ConnectionStrings__Alerts"]);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("""SELECT COUNT(*) FROM hangfire.server""", db);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private AlertsProcess New()
    {
        var process = new AlertsProcess(output.WriteLine);
        processes.Add(process);
        return process;
    }

    /// <summary>
    /// Posts <paramref name="count"/> copies of one error through <paramref name="client"/>, <see cref="Parallelism"/>
    /// at a time; <paramref name="during"/> runs once a third are posted and adds the events it had acknowledged.
    /// Counts 202s (acknowledged) and anything else (refused: not acknowledged, so not owed a count).
    /// </summary>
    private async Task<(int Accepted, int Refused)> FloodAsync(HttpClient client, int count, Func<Task<int>>? during)
    {
        var next = -1;
        var accepted = 0;
        var refused = new ConcurrentBag<string>();
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (i == count / 3)
                {
                    third.TrySetResult();
                }

                try
                {
                    using var response = await client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref accepted);
                    }
                    else
                    {
                        refused.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    refused.Add(ex.Message);
                }
            }
        }

        var workers = Enumerable.Range(0, Parallelism).Select(_ => Task.Run(Worker)).ToList();
        var extra = 0;
        if (during is not null)
        {
            await third.Task;
            extra = await during();
        }

        await Task.WhenAll(workers);
        foreach (var reason in refused.Distinct().Take(5))
        {
            output.WriteLine($"refused: {reason}");
        }

        return (accepted + extra, refused.Count);
    }

    private static async Task<IReadOnlyList<string>> NotificationsAsync(HttpClient dashboard, string token, long incidentId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/incidents/{incidentId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await dashboard.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. detail.RootElement.GetProperty("notifications").EnumerateArray()
            .Select(n => $"{n.GetProperty("reason").GetString()} ({n.GetProperty("status").GetString()})")];
    }
}
