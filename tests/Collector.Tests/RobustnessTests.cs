using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>Whatever arrives, the collector answers with a 4xx ProblemDetails or takes the event; never a 5xx.</summary>
public sealed class RobustnessTests
{
    private const string OtherKey = "otherkey-0123456789abcdef";

    [Fact]
    public async Task RateLimit_KeyOverItsAllowanceGets429_AnotherProjectIsUnaffected()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Collector:EventsPerMinutePerKey"] = "3",
            ["Alerts:Projects:1:Id"] = "2",
            ["Alerts:Projects:1:Name"] = "blog",
            ["Alerts:Projects:1:Key"] = OtherKey,
        }, Roles.Collector);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: i)))).StatusCode);

        var refused = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: 99)));
        var other = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: 99), OtherKey));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, "a 429 names when to retry");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(3, await app.QueryAsync(db => db.Events.CountAsync(e => e.ProjectId == AlertsTestApp.ProjectId)));
        Assert.Equal(1, await app.QueryAsync(db => db.Events.CountAsync(e => e.ProjectId == 2)));
    }

    [Theory]
    [InlineData("/api/v1/events", "X-Alerts-Key", "application/json")]
    [InlineData("/api/1/envelope/", "X-Sentry-Auth", "application/x-sentry-envelope")]
    public async Task BodyThatStopsArriving_Gets408ProblemDetails_NotA5xx_AndGoodEventsStillAccepted(string path, string header, string type)
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Roles.Collector);
        var key = header == "X-Alerts-Key" ? AlertsTestApp.ProjectKey : $"Sentry sentry_key={AlertsTestApp.ProjectKey}";
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
        var stream = client.GetStream();
        // A tenth of the declared body, then nothing: the server's minimum data rate gives up on it after its grace period.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nContent-Type: {type}\r\n{header}: {key}\r\nContent-Length: 2000\r\n\r\n{{\"kind\": \"error\","));

        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 408 ", answer);
        Assert.Contains("Content-Type: application/problem+json", answer);
        Assert.Contains("arrived too slowly", answer);
        var good = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        Assert.Equal(1, await app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Fuzz_ThousandsOfMutatedBodies_NeverA5xx_AndGoodEventsStillAccepted()
    {
        await using var app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Collector:MaxEventBytes"] = "65536" }, Roles.Collector);
        var random = new Random(20261123); // seeded: a failure replays
        var eventId = SentryTestData.NewEventId();
        byte[][] native = [Encoding.UTF8.GetBytes(SampleEvents.Error()), Encoding.UTF8.GetBytes(SampleEvents.BrokenLink())];
        var store = Encoding.UTF8.GetBytes(SentryTestData.ErrorEvent(eventId));
        var envelope = Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(eventId), eventId));
        var failures = new List<string>();

        for (var round = 0; round < 150; round++)
        {
            var requests = Enumerable.Range(0, 8).Select(i =>
            {
                var n = round * 8 + i;
                var (request, seed) = (n % 3) switch
                {
                    0 => (AlertsTestApp.EventRequest(""), native[n % 2]),
                    1 => (StoreRequest(), store),
                    _ => (new HttpRequestMessage(HttpMethod.Post, $"/api/{AlertsTestApp.ProjectId}/envelope/?sentry_key={AlertsTestApp.ProjectKey}"), envelope),
                };
                var body = Mutate(seed, random);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(n % 3 == 2 ? "application/x-sentry-envelope" : "application/json");
                return (request, body);
            }).ToList();
            var responses = await Task.WhenAll(requests.Select(r => app.Client.SendAsync(r.request)));
            for (var i = 0; i < responses.Length; i++)
            {
                var (status, type) = ((int)responses[i].StatusCode, responses[i].Content.Headers.ContentType?.MediaType);
                if (status >= 500 || (status >= 400 && type != "application/problem+json"))
                    failures.Add($"{requests[i].request.RequestUri} answered {status} {type} to: {Convert.ToBase64String(requests[i].body)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(5)));
        var good = await app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: "StillWorking")));
        Assert.Equal(HttpStatusCode.Accepted, good.StatusCode);
        var id = (await good.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(1, await app.QueryAsync(db => db.Events.CountAsync(e => e.Id == id)));
        var sentryId = SentryTestData.NewEventId();
        var sentry = await app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId,
            Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(sentryId), sentryId))));
        Assert.Equal(HttpStatusCode.OK, sentry.StatusCode);
    }

    private static HttpRequestMessage StoreRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{AlertsTestApp.ProjectId}/store/");
        request.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_key={AlertsTestApp.ProjectKey}");
        return request;
    }

    private static readonly string[] Fragments =
        ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "-1e999", "1.5", "\"kind\"", "\"broken_link\"", "\"event\"", "\\u0000", "\\ud800", "\n", "{\"type\":\"event\",\"length\":999999}\n"];

    /// <summary>A valid body with a few random edits: flipped and inserted bytes, cut or repeated spans, JSON fragments, or pure noise.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256))); break;
                case 2 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 64))); break;
                case 3 when bytes.Count > 0: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, random.Next(1, 64)))); break;
                case 4: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)])); break;
                case 5: bytes.RemoveRange(at, bytes.Count - at); break;
                default:
                    if (random.Next(20) == 0) return [.. Enumerable.Range(0, random.Next(0, 2048)).Select(_ => (byte)random.Next(256))];
                    break;
            }
        }
        return [.. bytes];
    }
}
