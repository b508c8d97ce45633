using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Alerts.Core.Events;
using Alerts.TestSupport;
using CsCheck;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

/// <summary>
/// Generated bodies on the three ingestion endpoints: nested, mistyped, huge, cut, mis-encoded. Whatever arrives is
/// taken or refused with a 4xx ProblemDetails, never a 5xx, and a good event afterwards is still taken and grouped.
/// </summary>
public sealed class IngestionPropertyTests : IAsyncLifetime
{
    private static readonly TimeSpan GroupTimeout = TimeSpan.FromSeconds(30);

    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public enum Endpoint { Native, Store, Envelope }

    /// <summary>
    /// One generated request: <see cref="Value"/> put in at <see cref="Slot"/> of an otherwise good event, the body cut
    /// after <see cref="CutAt"/> bytes (if set), then encoded, and the encoded bytes damaged by <see cref="Damage"/>.
    /// </summary>
    public sealed record Sample(Endpoint Endpoint, string Slot, string Value, int? CutAt, string Encoding, string Damage)
    {
        // A JSON string holding bytes that are not UTF-8 is spelled here with \xNN and written as the raw byte.
        public byte[] Json()
        {
            var json = Template(Endpoint).Replace($"\"{Slot}\":{Defaults[Slot]}", $"\"{Slot}\":{Value}", StringComparison.Ordinal);
            var bytes = RawBytes(json);
            if (Endpoint == Endpoint.Envelope)
                bytes = [.. System.Text.Encoding.UTF8.GetBytes($"{{}}\n{{\"type\":\"event\",\"length\":{bytes.Length}}}\n"), .. bytes, (byte)'\n'];
            return CutAt is { } cut ? bytes[..Math.Min(cut, bytes.Length)] : bytes;
        }
    }

    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal)
    {
        ["level"] = "\"error\"", ["timestamp"] = "\"2026-11-23T10:00:00Z\"", ["message"] = "\"Payment failed\"",
        ["type"] = "\"ZeroDivisionError\"", ["lineno"] = "42", ["vars"] = "{\"count\":0}", ["data"] = "{\"q\":\"x\"}",
        ["headers"] = "{\"User-Agent\":\"Mozilla/5.0\"}", ["tags"] = "{\"shard\":\"a\"}", ["user"] = "{\"id\":\"17\"}",
        ["fingerprint"] = "[\"{{ default }}\"]",
    };

    private static string Template(Endpoint endpoint)
    {
        var d = Defaults;
        var frame = endpoint == Endpoint.Native
            ? $"{{\"filename\":\"shop/views.py\",\"function\":\"f\",\"lineno\":{d["lineno"]},\"inApp\":true,\"vars\":{d["vars"]}}}"
            : $"{{\"filename\":\"shop/views.py\",\"function\":\"f\",\"lineno\":{d["lineno"]},\"in_app\":true,\"vars\":{d["vars"]}}}";
        var exception = endpoint == Endpoint.Native
            ? $"{{\"type\":{d["type"]},\"value\":\"v\",\"frames\":[{frame}]}}"
            : $"{{\"values\":[{{\"type\":{d["type"]},\"value\":\"v\",\"stacktrace\":{{\"frames\":[{frame}]}}}}]}}";
        return $"{{\"level\":{d["level"]},\"timestamp\":{d["timestamp"]},\"message\":{d["message"]},\"exception\":{exception}," +
            $"\"request\":{{\"url\":\"https://shop.example.com/o\",\"method\":\"POST\",\"headers\":{d["headers"]},\"data\":{d["data"]}}}," +
            $"\"tags\":{d["tags"]},\"user\":{d["user"]},\"fingerprint\":{d["fingerprint"]}}}";
    }

    private static byte[] RawBytes(string json)
    {
        var parts = json.Split("\\x");
        var output = new List<byte>(Encoding.UTF8.GetBytes(parts[0]));
        foreach (var part in parts[1..])
        {
            output.Add(Convert.ToByte(part[..2], 16));
            output.AddRange(Encoding.UTF8.GetBytes(part[2..]));
        }
        return [.. output];
    }

    private static readonly Gen<string> Nested =
        Gen.Select(Gen.Int[1, 80], Gen.Bool, (depth, arrays) => arrays
            ? new string('[', depth) + "1" + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));

    private static readonly Gen<string> Odd = Gen.OneOf(
        "1e400", "-1e400", "123456789012345678901234567890", "1.7976931348623157e309", "-0", "0.1", "2147483648", "-2147483649",
        "\"text\"", "true", "null", "[]", "{}", "[1,\"a\",{}]", "\"\\ud800\"", "\"\\u0000\"", "\"\\xff\\xfe\"", "\"\\xc3\\x28\"",
        "\"\\xed\\xa0\\x80\"", "\"9999-12-31T23:59:59-14:00\"", "\"0001-01-01T00:00:00+14:00\"", "1e300", "253402300800");

    private static readonly Gen<Sample> Samples =
        from endpoint in Gen.Enum<Endpoint>()
        from slot in Gen.OneOf([.. Defaults.Keys])
        from value in Gen.Frequency((3, Nested), (2, Odd))
        from cutAt in Gen.Frequency((4, Gen.Const((int?)null)), (1, Gen.Int[0, 400].Select(n => (int?)n)))
        from encoding in Gen.OneOf("", "identity", "gzip", "deflate", "raw-deflate", "br", "zstd")
        from damage in Gen.OneOf("none", "none", "flip", "truncate", "garbage")
        select new Sample(endpoint, slot, value, cutAt, encoding, damage);

    [Fact]
    public async Task Post_GeneratedBodies_NeverAnswer5xx_AndAGoodEventIsStillGrouped()
    {
        await Requests.SampleAsync(AssertRefusedAsProblemOrTakenAsync, iter: 400, threads: 2);

        await AssertAGoodEventIsGroupedAsync();
    }

    /// <summary>Seeds that once found a 5xx, replayed for good.</summary>
    [Theory]
    [InlineData("4aG5ASApN3O3")] // a lone surrogate escape in request.data: the scrubber could not read it (500)
    public async Task Post_GeneratedBodyThatOnceFailed_NeverAnswers5xx(string seed)
    {
        await Requests.SampleAsync(AssertRefusedAsProblemOrTakenAsync, seed: seed, iter: 1, threads: 1);

        await AssertAGoodEventIsGroupedAsync();
    }

    private static readonly Gen<(Sample, int)> Requests = Gen.Select(Samples, Gen.Int[0, int.MaxValue]);

    private async Task AssertRefusedAsProblemOrTakenAsync(Sample sample, int noise)
    {
        using var response = await _app.Client.SendAsync(Request(sample, new Random(noise)));
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"answered {status}: {await response.Content.ReadAsStringAsync()}");
        if (status >= 400) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(Endpoint.Native)]
    [InlineData(Endpoint.Store)]
    [InlineData(Endpoint.Envelope)]
    public async Task Post_BrotliGarbage_Answers400(Endpoint endpoint)
    {
        using var response = await _app.Client.SendAsync(Request(new Sample(endpoint, "level", "\"error\"", null, "br", "garbage"), new Random(7)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Malformed body", problem.GetProperty("title").GetString());
        await AssertAGoodEventIsGroupedAsync();
    }

    [Theory]
    [InlineData(Endpoint.Native, "user", 28, true)]
    [InlineData(Endpoint.Native, "user", 30, true)]
    [InlineData(Endpoint.Native, "data", 28, true)]
    [InlineData(Endpoint.Native, "vars", 24, true)]
    [InlineData(Endpoint.Store, "user", 30, true)]
    [InlineData(Endpoint.Store, "data", 28, true)]
    [InlineData(Endpoint.Envelope, "user", 28, true)]
    [InlineData(Endpoint.Envelope, "vars", 20, true)]
    [InlineData(Endpoint.Native, "user", 40, false)]
    [InlineData(Endpoint.Native, "data", 64, false)]
    [InlineData(Endpoint.Native, "vars", 40, false)]
    [InlineData(Endpoint.Store, "user", 40, false)]
    [InlineData(Endpoint.Store, "data", 64, false)]
    [InlineData(Endpoint.Envelope, "vars", 28, false)]
    [InlineData(Endpoint.Envelope, "user", 64, false)]
    public async Task Post_NestedEvent_IsStoredWithinTheDepthLimit_AndAnswers400NamingItBeyond(Endpoint endpoint, string slot, int depth, bool within)
    {
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        using var response = await _app.Client.SendAsync(Request(new Sample(endpoint, slot, nested, null, "", "none"), new Random(7)));

        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(within ? response.IsSuccessStatusCode : response.StatusCode == HttpStatusCode.BadRequest, $"answered {(int)response.StatusCode}: {answer}");
        if (!within) Assert.Contains($"depth of {EventJson.MaxDepth}", answer, StringComparison.Ordinal);
        Assert.Equal(within ? 1 : 0, await _app.QueryAsync(db => db.Events.CountAsync()));
    }

    private static HttpRequestMessage Request(Sample c, Random random)
    {
        var project = AlertsTestApp.ProjectId;
        var request = c.Endpoint switch
        {
            Endpoint.Native => AlertsTestApp.EventRequest(""),
            Endpoint.Store => new HttpRequestMessage(HttpMethod.Post, $"/api/{project}/store/?sentry_key={AlertsTestApp.ProjectKey}"),
            _ => new HttpRequestMessage(HttpMethod.Post, $"/api/{project}/envelope/?sentry_key={AlertsTestApp.ProjectKey}"),
        };
        request.Content = new ByteArrayContent(Damage(Encode(c.Json(), c.Encoding), c.Damage, random));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(c.Endpoint == Endpoint.Envelope ? "application/x-sentry-envelope" : "application/json");
        if (c.Encoding.Length > 0) request.Content.Headers.ContentEncoding.Add(c.Encoding == "raw-deflate" ? "deflate" : c.Encoding);
        return request;
    }

    private static byte[] Encode(byte[] body, string encoding) =>
        encoding is "gzip" or "deflate" or "raw-deflate" or "br" ? SentryTestData.Compress(body, encoding) : body;

    private static byte[] Damage(byte[] bytes, string damage, Random random)
    {
        switch (damage)
        {
            case "flip" when bytes.Length > 0:
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                return bytes;
            case "truncate":
                return bytes[..random.Next(bytes.Length + 1)];
            case "garbage":
                var noise = new byte[random.Next(1, 512)];
                random.NextBytes(noise);
                return noise;
            default:
                return bytes;
        }
    }

    private async Task AssertAGoodEventIsGroupedAsync()
    {
        var type = "StillWorking" + Guid.NewGuid().ToString("N");
        var response = await _app.Client.SendAsync(AlertsTestApp.EventRequest(SampleEvents.Error(type: type)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Wait.UntilAsync(() => _app.QueryAsync(db => db.Incidents.AnyAsync(i => EF.Functions.Like(i.Title, type + "%"))),
            GroupTimeout, "the good event's incident");
    }
}
