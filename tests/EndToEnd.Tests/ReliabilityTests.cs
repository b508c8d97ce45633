using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Alerts.Core.Domain;
using Alerts.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// The real <c>alerts</c> binary under conditions that go wrong in production: killed mid-flood, its database
/// locked by another process or full. Acknowledged events are counted once, refused ones get 429 with Retry-After
/// (Sentry SDKs retry it, and drop events on a 5xx), and nothing is half-written.
/// </summary>
public sealed class ReliabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private AlertsProcess alerts = null!;

    private static readonly Dictionary<string, string> Env =
        E2eSettings.Smtp(smtpPort: 25).With(("Alerts__Email__Backend", "File"));

    private string Database => Path.Combine(alerts.WorkingDirectory, "data", "alerts.db");

    public Task InitializeAsync()
    {
        alerts = new AlertsProcess(output.WriteLine);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await alerts.DisposeAsync();

    [Fact]
    public async Task KillDuringLoad_SdkRetriesAfterRestart_EveryEventCountedExactlyOnce()
    {
        await alerts.StartServeAsync(Env);
        var sent = new ConcurrentDictionary<string, bool>(); // event id → answered 200 before the kill
        var acknowledged = 0;
        using var stop = new CancellationTokenSource();
        using var client = new HttpClient { BaseAddress = alerts.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var posters = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var id = Guid.NewGuid().ToString("N");
                sent[id] = false;
                try
                {
                    using var response = await client.SendAsync(AlertsTestApp.SentryStoreRequest(id, "KillDuringLoadError"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        sent[id] = true;
                        Interlocked.Increment(ref acknowledged);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // The process died under this request: its outcome is unknown, as for a real SDK.
                }
            }
        })).ToList();
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref acknowledged) >= 300), TimeSpan.FromSeconds(60), "300 acknowledged events");

        alerts.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(posters);
        var acked = sent.Where(kv => kv.Value).Select(kv => kv.Key).ToList();
        output.WriteLine($"{sent.Count} events sent before the kill, {acked.Count} acknowledged");

        await alerts.StartServeAsync(Env);
        // An SDK sends again what it has no answer for, and a 200 it never saw looks the same to it: resend everything.
        using var retry = new HttpClient { BaseAddress = alerts.BaseAddress };
        foreach (var chunk in sent.Keys.Chunk(16))
        {
            var answers = await Task.WhenAll(chunk.Select(id => retry.SendAsync(AlertsTestApp.SentryStoreRequest(id, "KillDuringLoadError"))));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        }

        var counted = await Wait.UntilValueAsync(async () =>
            await ScalarAsync("""SELECT COUNT(*) FROM "Events" WHERE "IncidentId" IS NULL OR "IncidentId" < 0""") == 0
                ? await ScalarAsync("""SELECT COALESCE(SUM("Count"), 0) FROM "Incidents" WHERE "Title" LIKE '%KillDuringLoadError%'""")
                : (long?)null,
            TimeSpan.FromSeconds(60), "every stored event to be grouped");
        Assert.Equal(sent.Count, counted);
        Assert.Equal(sent.Count, await ScalarAsync("""SELECT COUNT(*) FROM "EventIds" """));
        foreach (var id in acked)
            Assert.Equal(1, await ScalarAsync("""SELECT COUNT(*) FROM "EventIds" WHERE "Id" = $id""", SeenEventId.KeyOf(AlertsTestApp.ProjectId, id)));
    }

    [Fact]
    public async Task DatabaseLockedByAnotherProcess_PostsGet429WithRetryAfter_NothingHalfWritten_ThenAccepted()
    {
        await alerts.StartServeAsync(Env.With(("Alerts__Collector__WriteTimeoutSeconds", "1")), roles: "collector");
        await alerts.Client.PostEventAsync(SampleEvents.Error());

        await using (var holder = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            await holder.OpenAsync();
            await using var tx = (SqliteTransaction)await holder.BeginTransactionAsync(); // BEGIN IMMEDIATE: the write lock
            var refused = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
                alerts.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: i)))));
            foreach (var response in refused) await AssertRetryLaterAsync(response);
            await tx.RollbackAsync();
        }

        Assert.Equal(1, await ScalarAsync("""SELECT COUNT(*) FROM "Events" """));
        Assert.Equal(1, await ScalarAsync("""SELECT COUNT(*) FROM "EventIds" """));
        await alerts.Client.PostEventAsync(SampleEvents.Error(line: 100));
        Assert.Equal(2, await ScalarAsync("""SELECT COUNT(*) FROM "Events" """));
    }

    [Fact]
    public async Task DatabaseFull_PostsGet429WithRetryAfter_NothingHalfWritten_AcceptedOnceSpaceIsFreed()
    {
        await alerts.StartServeAsync(Env.With(("Alerts__Database__MaxSizeMegabytes", "1")), roles: "collector");

        var accepted = 0;
        HttpResponseMessage? full = null;
        for (var round = 0; round < 200 && full is null; round++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
                alerts.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(path: $"/orders/{round}-{i}-{new string('x', 1000)}")))));
            accepted += responses.Count(r => r.StatusCode == HttpStatusCode.Accepted);
            full = responses.FirstOrDefault(r => r.StatusCode != HttpStatusCode.Accepted);
        }

        Assert.NotNull(full);
        await AssertRetryLaterAsync(full);
        Assert.Equal(accepted, await ScalarAsync("""SELECT COUNT(*) FROM "Events" """));
        Assert.Equal(accepted, await ScalarAsync("""SELECT COUNT(*) FROM "EventIds" """));

        // Space returns (retention, an operator): the freed pages are reused without a restart.
        await SqliteFileCommands.ExecuteAsync(Database, """DELETE FROM "Events" """);
        await alerts.Client.PostEventAsync(SampleEvents.Error(type: "AfterSpaceReturned"));
        Assert.Equal(1, await ScalarAsync("""SELECT COUNT(*) FROM "Events" """));
    }

    private static async Task AssertRetryLaterAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"answered {(int)response.StatusCode}: {body}");
        Assert.True(response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, "a 429 names when to retry");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("Sqlite", body, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<long> ScalarAsync(string sql, object? id = null)
    {
        await using var connection = new SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        if (id is not null) cmd.Parameters.AddWithValue("$id", id);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
