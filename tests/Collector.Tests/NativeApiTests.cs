using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alerts.Core.Events;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using CsCheck;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

public sealed class NativeApiTests : IAsyncLifetime
{
    private AlertsTestApp _app = null!;

    // Collector only: events stay in the inbox, so the tests see exactly what ingestion stored.
    public async Task InitializeAsync() =>
        _app = await AlertsTestApp.StartAsync(new Dictionary<string, string> { ["Alerts:Collector:MaxEventBytes"] = "4096" }, Roles.Collector);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Post_Error_Returns202WithIdOfCommittedEvent()
    {
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Matches("^[0-9a-f]{32}$", id);
        var stored = await _app.QueryAsync(db => db.Events.SingleAsync(e => e.Id == id));
        Assert.Equal(AlertsTestApp.ProjectId, stored.ProjectId);
        Assert.Equal(EventKind.Error, stored.Kind);
        Assert.Contains("ZeroDivisionError", stored.Payload, StringComparison.Ordinal);
    }

    /// <summary>Text anywhere in Unicode, as code points: letters of other scripts, emoji (surrogate pairs), controls, quotes.</summary>
    private static readonly Gen<string> AnyText = Gen.Frequency(
            (3, Gen.Int[0x20, 0x7E]), (1, Gen.Int[0, 0x1F]), (2, Gen.Int[0x80, 0xD7FF]), (1, Gen.Int[0xE000, 0xFFFF]), (2, Gen.Int[0x10000, 0x10FFFF]))
        .Select(char.ConvertFromUtf32).Array[1, 40].Select(string.Concat)
        .Where(t => !string.IsNullOrWhiteSpace(t)); // a blank message is no error: the API refuses it (EventValidator)

    [Fact]
    public async Task Post_GeneratedUnicodeText_IsStoredAsTextThatReadsBackTheSame()
    {
        // The inbox binds the payload as UTF-8 bytes: it must land as TEXT (a BLOB would escape the search's LIKE), and what the
        // Dashboard and the mails read back is the text sent (the stored JSON escapes non-ASCII, so escapes are what travel).
        await AnyText.SampleAsync(async text =>
        {
            var json = JsonSerializer.Serialize(new { kind = "error", message = text, tags = new Dictionary<string, string> { ["note"] = text } });
            var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(json));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            var stored = EventJson.Read(await _app.QueryAsync(db => db.Events.Where(e => e.Id == id).Select(e => e.Payload).SingleAsync()));
            Assert.Equal(text, stored.Message);
            Assert.Equal(text, stored.Tags!["note"]);
            var type = await _app.QueryAsync(db => db.Database.SqlQuery<string>($"SELECT typeof(\"Payload\") AS \"Value\" FROM \"Events\" WHERE \"Id\" = {id}").SingleAsync());
            Assert.Equal("text", type);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public async Task Post_BearerKey_IsAccepted()
    {
        var request = AlertsTestApp.EventRequest(SampleEvents.BrokenLink(), key: null);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AlertsTestApp.ProjectKey);

        var response = await _app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_WithoutTimestamp_StoresServerTime()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var stored = await _app.QueryAsync(db => db.Events.SingleAsync(e => e.Id == id));
        Assert.InRange(stored.Timestamp, before, DateTime.UtcNow.AddSeconds(1));
    }

    public static TheoryData<string?, HttpStatusCode, string> RejectedKeys => new()
    {
        { null, HttpStatusCode.Unauthorized, "Missing project key" },
        { "not-a-known-key-0000", HttpStatusCode.Unauthorized, "Unknown project key" },
    };

    [Theory]
    [MemberData(nameof(RejectedKeys))]
    public async Task Post_BadKey_IsRefusedWithProblemDetails(string? key, HttpStatusCode status, string title)
    {
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(), key));

        await AssertProblem(response, status, title);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_NotJson_Is415()
    {
        var request = AlertsTestApp.EventRequest("");
        request.Content = new StringContent(SampleEvents.Error(), Encoding.UTF8, "text/plain");

        await AssertProblem(await _app.Client.SendAsync(request), HttpStatusCode.UnsupportedMediaType, "Unsupported media type");
    }

    [Fact]
    public async Task Post_UnknownContentEncoding_Is415()
    {
        var request = AlertsTestApp.EventRequest(SampleEvents.Error());
        request.Content!.Headers.ContentEncoding.Add("compress");

        await AssertProblem(await _app.Client.SendAsync(request), HttpStatusCode.UnsupportedMediaType, "Unsupported content encoding");
    }

    [Fact]
    public async Task Post_OverSizeLimit_Is413AndNothingStored()
    {
        var big = SampleEvents.Error(value: new string('x', 5000));

        await AssertProblem(await _app.Client.SendAsync(AlertsTestApp.EventRequest(big)), HttpStatusCode.RequestEntityTooLarge, "Event too large");
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_Gzip_IsInflatedAndAccepted()
    {
        var response = await _app.Client.SendAsync(GzipRequest(SampleEvents.Error()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await _app.QueryAsync(db => db.Events.SingleAsync());
        Assert.Contains("division by zero", stored.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_GzipThatInflatesOverLimit_Is413()
    {
        // Small on the wire, over the limit once inflated: the limit applies to what we would hold.
        var bomb = SampleEvents.Error(value: new string(' ', 100_000));

        await AssertProblem(await _app.Client.SendAsync(GzipRequest(bomb)), HttpStatusCode.RequestEntityTooLarge, "Event too large");
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"kind": "error", "message": """, "Malformed JSON" },
        { """[1, 2, 3]""", "Malformed JSON" },
        { """{"kind": "crash", "message": "x"}""", "kind" },
        { """{"kind": "error"}""", "exception" },
        { """{"kind": "error", "exception": {"value": "no type"}}""", "exception.type" },
        { """{"kind": "broken_link", "request": {"url": "https://shop.example.com/x"}}""", "request.referrer" },
        { """{"kind": "broken_link", "request": {"url": "/x", "referrer": "https://a.example/"}}""", "request.url" },
        { """{"kind": "error", "message": "x", "level": "loud"}""", "level" },
        { """{"kind": "error", "message": 42}""", "$.message" },
        { """{"kind": "error", "message": "x", "tags": ["not", "an", "object"]}""", "$.tags" },
        { """{"kind": 1, "message": "x"}""", "$.kind" },
        { """{"kind": "error", "message": "x", "exception": {"type": "E", "frames": [{"lineno": "forty-two"}]}}""", "lineno" },
        { $$"""{"kind": "error", "message": "x", "extra": {{new string('[', 1000)}}{{new string(']', 1000)}}}""", "depth" },
        { """{"kind": "error", "message": "x"} trailing""", "Malformed JSON" },
        { "", "Malformed JSON" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Post_InvalidEvent_Is400NamingWhatIsWrong(string body, string named)
    {
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(body));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, null);
        Assert.Contains(named, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_InvalidUtf8_Is400AndNothingStored()
    {
        var request = AlertsTestApp.EventRequest("");
        byte[] body = [.. "{\"kind\": \"error\", \"message\": \""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8];
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _app.Client.SendAsync(request);

        await AssertProblem(response, HttpStatusCode.BadRequest, "Malformed JSON");
        Assert.Equal(0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_HugeMessage_Is400NamingTheMessage()
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Roles.Collector);
        var body = $$"""{"kind": "error", "message": "{{new string('x', 200_000)}}"}""";

        var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(body));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, null);
        Assert.Contains("message", problem.GetProperty("errors").GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_InvalidAfterValid_KeepsTheAcceptedEvent()
    {
        var ok = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error()));
        var bad = await _app.Client.SendAsync(AlertsTestApp.EventRequest("{"));

        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(1, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    [Fact]
    public async Task Post_ManyConcurrently_EveryAcknowledgedEventIsStoredOnce()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(line: i)))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()));
        Assert.Equal(200, ids.Distinct().Count());
        Assert.Equal(200, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    private static HttpRequestMessage GzipRequest(string json)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(json));
        var request = AlertsTestApp.EventRequest("");
        request.Content = new ByteArrayContent(compressed.ToArray());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content.Headers.ContentEncoding.Add("gzip");
        return request;
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (title is not null) Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
