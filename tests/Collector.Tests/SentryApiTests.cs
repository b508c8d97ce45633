using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alerts.Core.Events;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>The Sentry endpoints of a real collector: what an SDK gets back, and what is stored.</summary>
public sealed class SentryApiTests : IAsyncLifetime
{
    private const long OtherProjectId = 2;
    private const string OtherProjectKey = "otherkey-0123456789abcdef";

    private AlertsTestApp _app = null!;

    // Collector only: events stay in the inbox, so the tests see exactly what ingestion stored.
    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
    {
        ["Alerts:Collector:MaxEventBytes"] = "12288",
        ["Alerts:Collector:MaxEnvelopeBytes"] = "16384",
        ["Alerts:Collector:MaxEnvelopeDecompressedBytes"] = "65536",
        ["Alerts:Collector:EventsPerMinutePerKey"] = "5",
        ["Alerts:Projects:1:Id"] = "2",
        ["Alerts:Projects:1:Name"] = "blog",
        ["Alerts:Projects:1:Key"] = OtherProjectKey,
    }, Roles.Collector);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Envelope_FromDotnetSdk_Returns200WithTheSdksEventIdAndStoresTheMappedEvent()
    {
        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, SentryTestData.Raw(SentryTestData.DotnetChained), encoding: "gzip"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("8af7f0a538354e89baa6a8efaaf43fab", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        var stored = await _app.QueryAsync(db => db.Events.SingleAsync());
        Assert.Equal("8af7f0a538354e89baa6a8efaaf43fab", stored.Id);
        Assert.Equal((AlertsTestApp.ProjectId, EventKind.Error), (stored.ProjectId, stored.Kind));
        var payload = JsonSerializer.Deserialize(stored.Payload, EventJsonContext.Default.EventPayload)!;
        Assert.Equal("System.InvalidOperationException", payload.Exception!.Type);
        Assert.Equal("System.DivideByZeroException", Assert.Single(payload.Causes!).Type);
        Assert.Equal(new DateTime(2026, 11, 23, 20, 34, 45, DateTimeKind.Utc), stored.Timestamp, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Envelope_FromNodeSdk_ChunkedWithKeyInQuery_IsAccepted()
    {
        // As @sentry/node sends it: no Content-Type, Transfer-Encoding: chunked, the key in the query.
        var request = new HttpRequestMessage(HttpMethod.Post,
            $"/api/{AlertsTestApp.ProjectId}/envelope/?sentry_version=7&sentry_key={AlertsTestApp.ProjectKey}&sentry_client=sentry.javascript.node%2F11.12.0")
        {
            Content = new StreamContent(new NonSeekableStream(SentryTestData.Raw(SentryTestData.NodeException))),
        };
        request.Headers.TransferEncodingChunked = true;

        var response = await _app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await _app.QueryAsync(db => db.Events.SingleAsync());
        Assert.Equal("56768c302e5e4c3ea322ed10669be433", stored.Id);
        Assert.Contains("TypeError", stored.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_KeyOnlyInTheDsnHeader_IsAccepted()
    {
        var id = SentryTestData.NewEventId();
        var envelope = SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id, dsn: $"http://{AlertsTestApp.ProjectKey}@127.0.0.1/1");

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(envelope), key: null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await _app.QueryAsync(db => db.Events.CountAsync(e => e.Id == id)));
    }

    public static TheoryData<string?, long, HttpStatusCode, string> RefusedKeys => new()
    {
        { null, AlertsTestApp.ProjectId, HttpStatusCode.Unauthorized, "Missing project key" },
        { "not-a-known-key-0000", AlertsTestApp.ProjectId, HttpStatusCode.Unauthorized, "Unknown project key" },
        { OtherProjectKey, AlertsTestApp.ProjectId, HttpStatusCode.Forbidden, "Wrong project" },
        { AlertsTestApp.ProjectKey, OtherProjectId, HttpStatusCode.Forbidden, "Wrong project" },
    };

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task Envelope_BadKey_IsRefusedWithXSentryErrorAndNothingStored(string? key, long projectId, HttpStatusCode status, string title)
    {
        var id = SentryTestData.NewEventId();
        var envelope = Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id));

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(projectId, envelope, key));

        await AssertProblem(response, status, title);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Envelope_DsnOfAnotherProject_Is403()
    {
        var id = SentryTestData.NewEventId();
        var envelope = SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id, dsn: $"http://{OtherProjectKey}@127.0.0.1/2");

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(envelope), key: null));

        await AssertProblem(response, HttpStatusCode.Forbidden, "Wrong project");
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("raw-deflate")]
    [InlineData("br")]
    public async Task Envelope_CompressedBody_IsInflatedAndStored(string encoding)
    {
        var id = SentryTestData.NewEventId();
        var envelope = Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id));
        var header = encoding == "raw-deflate" ? "deflate" : encoding;

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, SentryTestData.Compress(envelope, encoding), encoding: header));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await _app.QueryAsync(db => db.Events.SingleAsync(e => e.Id == id));
        Assert.Contains("division by zero", stored.Payload, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain;charset=UTF-8")]
    [InlineData(null)]
    public async Task Envelope_OtherAcceptedContentTypes_AreAccepted(string? contentType)
    {
        var id = SentryTestData.NewEventId();
        var request = SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id)));
        request.Content!.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Envelope_JsonContentType_Is415()
    {
        var request = SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes("{}\n"));
        request.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/xml");

        await AssertProblem(await _app.Client.SendAsync(request), HttpStatusCode.UnsupportedMediaType, "Unsupported media type");
    }

    [Theory]
    [InlineData(SentryTestData.NodeSessions, "sessions")]
    [InlineData(null, "transaction")]
    [InlineData(null, "client_report")]
    [InlineData(null, "attachment")]
    [InlineData(null, "session")]
    [InlineData(null, "replay_recording")]
    public async Task Envelope_WithoutEvent_Returns200AndStoresNothing(string? captured, string type)
    {
        var body = captured is not null
            ? SentryTestData.Raw(captured)
            : Encoding.UTF8.GetBytes($"{{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}}\n{{\"type\":\"{type}\"}}\n{{\"x\":1}}\n");

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    public static TheoryData<string, string> MalformedEnvelopes => new()
    {
        { "empty", "" },
        { "header not JSON", "hello\n" },
        { "item header not JSON", "{}\n{type}\n{}\n" },
        { "truncated", "{}\n{\"type\":\"event\",\"length\":500}\n{\"message\":\"m\"}" },
        { "event not JSON", "{}\n{\"type\":\"event\"}\n{\"message\":\n" },
        { "event an array", "{}\n{\"type\":\"event\"}\n[1,2]\n" },
        { "two events", "{}\n{\"type\":\"event\"}\n{\"message\":\"a\"}\n{\"type\":\"event\"}\n{\"message\":\"b\"}\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedEnvelopes))]
    public async Task Envelope_Malformed_Is400NeverA500(string what, string envelope)
    {
        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(envelope)));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode}");
        await AssertProblem(response, HttpStatusCode.BadRequest, null);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Envelope_CorruptGzip_Is400()
    {
        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes("this is not gzip at all"), encoding: "gzip"));

        await AssertProblem(response, HttpStatusCode.BadRequest, "Malformed body");
    }

    [Fact]
    public async Task Envelope_EventItemOverTheEventLimit_Is413()
    {
        var id = SentryTestData.NewEventId();
        var envelope = SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id, value: new string('x', 13_000)), id);

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(envelope)));

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "Event too large");
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Envelope_CompressedOverTheEnvelopeLimit_Is413()
    {
        // Random bytes do not compress: an attachment of 20 KiB stays over the 16 KiB limit on the wire.
        var attachment = new byte[20 * 1024];
        new Random(7).NextBytes(attachment);
        var envelope = Encoding.UTF8.GetBytes($"{{}}\n{{\"type\":\"attachment\",\"length\":{attachment.Length}}}\n").Concat(attachment).ToArray();

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, SentryTestData.Compress(envelope, "gzip"), encoding: "gzip"));

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "Envelope too large");
    }

    [Fact]
    public async Task Envelope_InflatingOverTheDecompressedLimit_Is413()
    {
        // Small on the wire, 100 KiB inflated: over the 64 KiB decompressed limit.
        var envelope = Encoding.UTF8.GetBytes($"{{}}\n{{\"type\":\"attachment\",\"length\":{100 * 1024}}}\n{new string(' ', 100 * 1024)}\n");

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, SentryTestData.Compress(envelope, "gzip"), encoding: "gzip"));

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "Envelope too large");
    }

    [Fact]
    public async Task Envelope_OverTheKeysRateLimit_Is429WithRetryAfterAndSentryRateLimits()
    {
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            var id = SentryTestData.NewEventId();
            responses.Add(await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
                AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id)))));
        }

        Assert.All(responses.Take(5), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var limited = responses[5];
        await AssertProblem(limited, HttpStatusCode.TooManyRequests, "Rate limit exceeded");
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal($"{retryAfter}:error;default;security:key", limited.Headers.GetValues("X-Sentry-Rate-Limits").Single());
        Assert.Equal(5, await _app.QueryAsync(db => db.Events.CountAsync()));

        // Another project's key has its own allowance.
        var other = SentryTestData.NewEventId();
        var otherResponse = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            OtherProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(other), other)), OtherProjectKey));
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
    }

    [Fact]
    public async Task Envelope_SessionsOverTheRateLimit_AreStillAccepted()
    {
        for (var i = 0; i < 8; i++)
        {
            var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
                AlertsTestApp.ProjectId, SentryTestData.Raw(SentryTestData.NodeSessions)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Envelope_Scrubbed_BeforeItIsStored()
    {
        var id = SentryTestData.NewEventId();
        await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id))));

        var stored = await _app.QueryAsync(db => db.Events.SingleAsync(e => e.Id == id));
        Assert.DoesNotContain("hunter2", stored.Payload, StringComparison.Ordinal);  // a frame variable named password
        Assert.DoesNotContain("Bearer xyz", stored.Payload, StringComparison.Ordinal); // the Authorization header
        Assert.DoesNotContain("c5rf", stored.Payload, StringComparison.Ordinal); // a cookie whose name says token
        Assert.Contains("\"count\":0", stored.Payload, StringComparison.Ordinal);
        Assert.Contains("203.0.113.9", stored.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_ChainedException_ScrubsTheCausesFrameVariablesToo()
    {
        var id = SentryTestData.NewEventId();
        var json = $$$"""
            {"event_id":"{{{id}}}","exception":{"values":[
              {"type":"KeyError","value":"'card'","stacktrace":{"frames":[{"function":"charge","vars":{"api_key":"sk_live_123","amount":5}}]}},
              {"type":"PaymentError","value":"charge failed","module":"shop.errors","stacktrace":{"frames":[{"function":"checkout","vars":{"order":17}}]}}]}}
            """;

        var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
            AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(json.ReplaceLineEndings(" "), id))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var payload = JsonSerializer.Deserialize((await _app.QueryAsync(db => db.Events.SingleAsync(e => e.Id == id))).Payload, EventJsonContext.Default.EventPayload)!;
        Assert.Equal("PaymentError", payload.Exception!.Type);
        var cause = Assert.Single(payload.Causes!);
        Assert.Equal("********************", cause.Frames![0].Vars!["api_key"].GetString());
        Assert.Equal(5, cause.Frames[0].Vars!["amount"].GetInt32());
    }

    [Fact]
    public async Task RateLimit_IsOneAllowancePerKeyAcrossSentryAndNativeApis()
    {
        for (var i = 0; i < 5; i++)
        {
            var id = SentryTestData.NewEventId();
            var response = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(
                AlertsTestApp.ProjectId, Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var native = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));

        Assert.Equal(HttpStatusCode.TooManyRequests, native.StatusCode);
        Assert.True(native.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, "a 429 names when to retry");
    }

    [Fact]
    public async Task Envelope_SameEventIdTwice_BothAnswered200AndStoredOnce()
    {
        var id = SentryTestData.NewEventId();
        var envelope = Encoding.UTF8.GetBytes(SentryTestData.EventEnvelope(SentryTestData.ErrorEvent(id), id));

        var first = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, envelope));
        var retry = await _app.Client.SendAsync(SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, envelope));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode));
        Assert.Equal(id, (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(1, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Envelope_WithoutTrailingSlash_IsAccepted()
    {
        var request = SentryTestData.EnvelopeRequest(AlertsTestApp.ProjectId, SentryTestData.Raw(SentryTestData.NodeSessions));
        request.RequestUri = new Uri($"/api/{AlertsTestApp.ProjectId}/envelope", UriKind.Relative);

        Assert.Equal(HttpStatusCode.OK, (await _app.Client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Store_JsonEvent_Returns200WithIdAndStoresIt()
    {
        var id = SentryTestData.NewEventId();
        var request = StoreRequest(Encoding.UTF8.GetBytes(SentryTestData.ErrorEvent(id)), "application/json");

        var response = await _app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(1, await _app.QueryAsync(db => db.Events.CountAsync(e => e.Id == id)));
    }

    [Fact]
    public async Task Store_LegacyBase64Zlib_IsDecodedAndStored()
    {
        var id = SentryTestData.NewEventId();
        var legacy = Encoding.ASCII.GetBytes(Convert.ToBase64String(SentryTestData.Compress(Encoding.UTF8.GetBytes(SentryTestData.ErrorEvent(id)), "deflate")));

        var response = await _app.Client.SendAsync(StoreRequest(legacy, "application/octet-stream"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await _app.QueryAsync(db => db.Events.CountAsync(e => e.Id == id)));
    }

    [Fact]
    public async Task Store_KeyOfAnotherProject_Is403()
    {
        var request = StoreRequest(Encoding.UTF8.GetBytes(SentryTestData.ErrorEvent(SentryTestData.NewEventId())), "application/json");
        request.Headers.Remove("X-Sentry-Auth");
        request.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_key={OtherProjectKey}, sentry_secret=ignored");

        await AssertProblem(await _app.Client.SendAsync(request), HttpStatusCode.Forbidden, "Wrong project");
    }

    [Fact]
    public async Task Store_NotAnEvent_Is400()
    {
        await AssertProblem(await _app.Client.SendAsync(StoreRequest("[1]"u8.ToArray(), "application/json")), HttpStatusCode.BadRequest, "Malformed event");
    }

    [Fact]
    public async Task Store_OverTheEventLimit_Is413()
    {
        var big = Encoding.UTF8.GetBytes(SentryTestData.ErrorEvent(SentryTestData.NewEventId(), value: new string('x', 13_000)));

        await AssertProblem(await _app.Client.SendAsync(StoreRequest(big, "application/json")), HttpStatusCode.RequestEntityTooLarge, "Event too large");
    }

    private static HttpRequestMessage StoreRequest(byte[] body, string contentType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{AlertsTestApp.ProjectId}/store/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_client=raven-python/6.10.0, sentry_key={AlertsTestApp.ProjectKey}");
        return request;
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (title is not null) Assert.Equal(title, problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        // Sentry SDKs log this header when a request is refused.
        Assert.False(string.IsNullOrWhiteSpace(response.Headers.GetValues("X-Sentry-Error").Single()));
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked as @sentry/node does.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
