using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alerts.Collector.Sentry;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using CsCheck;

namespace Alerts.Collector.Tests;

public sealed class SentryEventMapperTests
{
    public static TheoryData<string, string, string, string?, string?> CapturedEvents => new()
    {
        // file, incident title, level, causes (types, oldest first), message template
        { SentryTestData.DotnetException, "System.DivideByZeroException: Attempted to divide by zero.", "error", null, null },
        { SentryTestData.DotnetChained, "System.InvalidOperationException: Could not price order 17", "error", "System.DivideByZeroException", null },
        { SentryTestData.DotnetMessage, "Payment provider slow", "info", null, null },
        { SentryTestData.DotnetLogEntry, "Payment 17 failed at acme", "error", null, "Payment {OrderId} failed at {Provider}" },
        { SentryTestData.NodeException, "TypeError: Cannot read properties of undefined (reading 'reduce')", "error", null, null },
        { SentryTestData.NodeMessage, "Payment provider slow", "info", null, null },
    };

    [Theory]
    [MemberData(nameof(CapturedEvents))]
    public void Map_CapturedSdkEvent_TitlesAndChainsItAsSentryDoes(string file, string title, string level, string? causes, string? template)
    {
        var mapped = SentryEventMapper.Map(SentryTestData.EventJson(file), null, "198.51.100.7");

        Assert.Equal(title, IncidentTitle.For(EventKind.Error, mapped.Payload));
        Assert.Equal(level, mapped.Payload.Level);
        Assert.Equal(causes, mapped.Payload.Causes is { } chain ? string.Join(",", chain.Select(c => c.Type)) : null);
        Assert.Equal(template, mapped.Payload.MessageTemplate);
        Assert.Matches("^[0-9a-f]{32}$", mapped.Id);
        Assert.Equal(EventKinds.Error, mapped.Payload.Kind);
    }

    [Fact]
    public void Map_NodeHandlerException_KeepsFramesContextRequestTagsAndFingerprint()
    {
        var e = SentryEventMapper.Map(SentryTestData.EventJson(SentryTestData.NodeException), null, null).Payload;

        Assert.Equal("56768c302e5e4c3ea322ed10669be433", SentryEventMapper.Map(SentryTestData.EventJson(SentryTestData.NodeException), null, null).Id);
        Assert.Equal(new DateTime(2026, 11, 23, 20, 41, 14, 924, DateTimeKind.Utc), e.Timestamp!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(("production", "shop@3.1.0", "vm"), (e.Environment, e.Release, e.ServerName));
        var frame = e.Exception!.Frames!.Last(f => f.InApp == true);
        Assert.Equal("checkout", frame.Function);
        Assert.Contains("cart.items.reduce", frame.ContextLine, StringComparison.Ordinal);
        Assert.NotEmpty(frame.PreContext!);
        Assert.NotEmpty(frame.PostContext!);
        Assert.Equal("GET", e.Request!.Method);
        Assert.StartsWith("http://127.0.0.1:", e.Request.Url, StringComparison.Ordinal);
        Assert.Equal("https://shop.example.com/cart", e.Request.Referrer);
        Assert.Equal("node", e.Request.UserAgent);
        Assert.Equal("checkout", e.Tags!["shop.area"]);
        Assert.Equal([Fingerprinter.DefaultPlaceholder, "checkout"], e.Fingerprint);
    }

    [Fact]
    public void Map_DotnetException_DropsTheAssemblyNameAndTakesTheClientAddressForAuto()
    {
        var e = SentryEventMapper.Map(SentryTestData.EventJson(SentryTestData.DotnetException), null, "198.51.100.7").Payload;

        Assert.Null(e.Exception!.Module);
        Assert.Equal("Program.cs", e.Exception.Frames![^1].Filename);
        Assert.Equal("int Orders.Total(int count)", e.Exception.Frames[^1].Function);
        Assert.Null(e.Request); // the SDK sends "request": {} outside a web request
        Assert.Equal("198.51.100.7", e.User!["ip_address"].GetString());
    }

    [Fact]
    public void Map_MessagesFromOneTemplate_GroupIntoOneIncident()
    {
        static string Fingerprint(string formatted) => Fingerprinter.Compute(EventKind.Error,
            Map("{\"logentry\":{\"message\":\"Payment {OrderId} failed\",\"formatted\":\"" + formatted + "\"}}"));

        Assert.Equal(Fingerprint("Payment 17 failed"), Fingerprint("Payment 18 failed"));
        Assert.NotEqual(
            Fingerprinter.Compute(EventKind.Error, Map("""{"message":"Payment 17 failed"}""")),
            Fingerprinter.Compute(EventKind.Error, Map("""{"message":"Payment 18 failed"}""")));
    }

    public static TheoryData<string, string, string> Fields => new()
    {
        // what, Sentry event JSON, the mapped payload's JSON must contain this
        { "message as string", """{"message":"Disk full"}""", "\"message\":\"Disk full\"" },
        { "message as object", """{"message":{"formatted":"Disk full on /var"}}""", "\"message\":\"Disk full on /var\"" },
        { "logentry formatted from params", """{"logentry":{"message":"User %s failed %d times","params":["bob",3]}}""",
          "\"message\":\"User bob failed 3 times\",\"messageTemplate\":\"User %s failed %d times\"" },
        { "logentry wins over message", """{"message":"legacy","logentry":{"formatted":"new"}}""", "\"message\":\"new\"" },
        { "neither exception nor message", """{"level":"error"}""", "\"message\":\"\\u003Cunlabeled event\\u003E\"" /* the stored JSON escapes < and > */ },
        { "exception as a bare list", """{"exception":[{"type":"KeyError","value":"'sku'"}]}""", "\"type\":\"KeyError\"" },
        { "exception without type", """{"exception":{"values":[{"value":"boom"}]}}""", "\"type\":\"Error\",\"value\":\"boom\"" },
        { "python module kept", """{"exception":{"values":[{"type":"PaymentError","module":"shop.errors"}]}}""", "\"module\":\"shop.errors\"" },
        { "abs_path when no filename", """{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"abs_path":"/app/x.py","lineno":3}]}}]}}""", "\"filename\":\"/app/x.py\",\"lineno\":3" },
        { "frame vars", """{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","vars":{"n":1}}]}}]}}""", "\"vars\":{\"n\":1}" },
        { "timestamp RFC 3339 with offset", """{"message":"m","timestamp":"2026-11-23T12:00:00+02:00"}""", "\"timestamp\":\"2026-11-23T10:00:00Z\"" },
        { "timestamp epoch seconds", """{"message":"m","timestamp":1795428000.5}""", "\"timestamp\":\"2026-11-23T10:00:00.5Z\"" },
        { "timestamp epoch as text", """{"message":"m","timestamp":"1795428000"}""", "\"timestamp\":\"2026-11-23T10:00:00Z\"" },
        { "level alias warn", """{"message":"m","level":"warn"}""", "\"level\":\"warning\"" },
        { "level critical", """{"message":"m","level":"critical"}""", "\"level\":\"fatal\"" },
        { "unknown level", """{"message":"m","level":"loud"}""", "\"level\":\"error\"" },
        { "logger", """{"message":"m","logger":"django.request"}""", "\"logger\":\"django.request\"" },
        { "headers as pairs", """{"message":"m","request":{"headers":[["Referer","https://a.example/"],["X-Many","1"],["X-Many","2"]]}}""",
          "\"referrer\":\"https://a.example/\"" },
        { "repeated header joined", """{"message":"m","request":{"headers":[["X-Many","1"],["X-Many","2"]]}}""", "\"X-Many\":\"1, 2\"" },
        { "query string as text", """{"message":"m","request":{"url":"https://a.example/p","query_string":"?q=1&page=2"}}""", "\"queryString\":\"q=1\\u0026page=2\"" },
        { "query string as pairs", """{"message":"m","request":{"query_string":[["q","a b"]]}}""", "\"queryString\":\"q=a%20b\"" },
        { "cookies as text", """{"message":"m","request":{"cookies":"theme=dark; lang=en"}}""", "\"cookies\":{\"theme\":\"dark\",\"lang\":\"en\"}" },
        { "REMOTE_ADDR", """{"message":"m","request":{"url":"/x","env":{"REMOTE_ADDR":"203.0.113.9","SERVER_PORT":8000}}}""", "\"remoteAddr\":\"203.0.113.9\"" },
        { "body", """{"message":"m","request":{"url":"/x","method":"post","data":{"sku":"A1"}}}""", "\"method\":\"POST\",\"data\":{\"sku\":\"A1\"}" },
        { "tags as pairs with a number", """{"message":"m","tags":[["worker","3"],["retries",2]]}""", "\"tags\":{\"worker\":\"3\",\"retries\":\"2\"}" },
        { "fingerprint default without spaces", """{"message":"m","fingerprint":["{{default}}","db"]}""", "\"fingerprint\":[\"{{ default }}\",\"db\"]" },
        { "user", """{"message":"m","user":{"id":"42","email":"ada@example.com"}}""", "\"user\":{\"id\":\"42\",\"email\":\"ada@example.com\"}" },
        { "unknown fields skipped", """{"message":"m","contexts":{"os":{"name":"Linux"}},"breadcrumbs":{"values":[]},"extra":{"a":1}}""", "\"message\":\"m\"" },
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Map_SentryField_LandsOnTheAlertsModel(string what, string json, string expected)
    {
        var stored = JsonSerializer.Serialize(Map(json), EventJsonContext.Default.EventPayload);

        Assert.True(stored.Contains(expected, StringComparison.Ordinal), $"{what}: {stored}");
    }

    [Fact]
    public void Map_OverLongParts_AreTrimmedNotRefused()
    {
        var frames = string.Join(",", Enumerable.Range(0, 300).Select(i => $$"""{"function":"f{{i}}"}"""));
        var tags = string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"t{i}\":\"v\""));
        var e = Map("{\"message\":\"" + new string('m', 10_000) + "\",\"tags\":{" + tags + "}," +
                    "\"exception\":{\"values\":[{\"type\":\"E\",\"stacktrace\":{\"frames\":[" + frames + "]}}]}}");

        Assert.Equal(SentryEventMapper.MaxText, e.Message!.Length);
        Assert.Equal(SentryEventMapper.MaxTags, e.Tags!.Count);
        Assert.Equal(SentryEventMapper.MaxFrames, e.Exception!.Frames!.Count);
        Assert.Equal("f299", e.Exception.Frames[^1].Function); // the frames nearest the error are the ones kept
    }

    public static TheoryData<string?, string?> Ids => new()
    {
        { "9ec79c33ec9942ab8353589fcb2e04dc", "9ec79c33ec9942ab8353589fcb2e04dc" },
        { "9EC79C33-EC99-42AB-8353-589FCB2E04DC", "9ec79c33ec9942ab8353589fcb2e04dc" },
        { "00000000000000000000000000000000", null },
        { "not-an-id", null },
        { "", null },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public void NormalizeId_AcceptsBothSentryIdSpellings(string? id, string? expected) =>
        Assert.Equal(expected, SentryEventMapper.NormalizeId(id));

    [Fact]
    public void Map_EventWithoutId_TakesTheEnvelopeHeadersId()
    {
        var mapped = SentryEventMapper.Map("""{"message":"m"}"""u8, "9ec79c33ec9942ab8353589fcb2e04dc", null);

        Assert.Equal("9ec79c33ec9942ab8353589fcb2e04dc", mapped.Id);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("{\"exception\":{\"values\":[{\"stacktrace\":{\"frames\":[{\"lineno\":\"x\"}]}}]}}")]
    public void Map_NotAnEvent_FailsAsJson(string json) =>
        Assert.ThrowsAny<JsonException>(() => SentryEventMapper.Map(Encoding.UTF8.GetBytes(json), null, null));

    // Fields left null are left out of the JSON; the relaxed encoder leaves é and 😀 unescaped.
    private static readonly JsonSerializerOptions Escaped = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly JsonSerializerOptions Relaxed = new(Escaped) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Frames' texts come from a pool shared by every request: whatever texts arrive, again or nearly again, escaped or not,
    /// from many requests at once, each event's frames hold exactly what System.Text.Json reads in its JSON.
    /// </summary>
    [Fact]
    public void Map_FrameTexts_AreWhatTheJsonSays_WhateverThePoolHolds()
    {
        // Few pieces, so texts come again (a pooled hit) and near ones meet (same length, one character apart); 255 x's
        // and a piece make texts on both sides of the longest pooled (256 bytes), escaped or not.
        var piece = Gen.OneOf(Gen.Const("a"), Gen.Const("b"), Gen.Const("\""), Gen.Const("\\"), Gen.Const("é"), Gen.Const("😀"),
            Gen.Const("\u0001"), Gen.Const("</"), Gen.Const(" "), Gen.Const(new string('x', 255)));
        var text = piece.Array[0, 4].Select(string.Concat);
        Gen.Select(text.Array[7], Gen.Bool, Gen.Bool).Sample((texts, relaxed, withFilename) =>
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new
            {
                exception = new { values = new[] { new { type = "E", stacktrace = new { frames = new[] { new
                {
                    abs_path = texts[0], filename = withFilename ? texts[1] : null, function = texts[2], module = texts[3],
                    context_line = texts[4], pre_context = new[] { texts[5], texts[6] }, post_context = new[] { texts[6], texts[5] },
                } } } } } },
            }, relaxed ? Relaxed : Escaped);
            using var document = JsonDocument.Parse(json);
            var frame = document.RootElement.GetProperty("exception").GetProperty("values")[0].GetProperty("stacktrace").GetProperty("frames")[0];
            string Read(string name) => frame.GetProperty(name).GetString()!;
            string[] Lines(string name) => [.. frame.GetProperty(name).EnumerateArray().Select(l => l.GetString()!)];

            var mapped = SentryEventMapper.Map(json, null, null).Payload.Exception!.Frames!.Single();

            Assert.Equal((withFilename ? Read("filename") : Read("abs_path"), Read("function"), Read("module"), Read("context_line")),
                (mapped.Filename, mapped.Function, mapped.Module, mapped.ContextLine));
            Assert.Equal(Lines("pre_context"), mapped.PreContext);
            Assert.Equal(Lines("post_context"), mapped.PostContext);
        }, iter: 20_000);
    }

    /// <summary>What the pool is for: the second event of an error gets the first one's frame texts, not new copies.</summary>
    [Fact]
    public void Map_TheSameErrorAgain_SharesItsFrameTexts()
    {
        var json = SentryTestData.EventJson(SentryTestData.NodeException);
        static List<string> Texts(byte[] json) => [.. SentryEventMapper.Map(json, null, null).Payload.Exception!.Frames!
            .SelectMany(f => (f.PreContext ?? []).Concat(f.PostContext ?? []).Append(f.Filename!).Append(f.Function!).Append(f.ContextLine!))];

        // Another test may map texts that evict one of these meanwhile (two at once to one pair of slots): a second try then.
        var shared = Enumerable.Range(0, 3).Select(_ => Texts(json).Zip(Texts(json), ReferenceEquals).Count(same => same)).Max();

        Assert.Equal(Texts(json).Count, shared);
    }

    /// <summary>A frame's text that is not text (a lone surrogate, bytes that are not UTF-8) fails the event as JSON, pooled or not.</summary>
    [Theory]
    [InlineData("\\ud800", "function")] // written in the JSON as the escape \ud800
    [InlineData("a\\udc00", "context_line")]
    [InlineData("\u00C3(", "filename")] // the bytes C3 28
    [InlineData("ok\u00FF", "module")] // the bytes 6F 6B FF
    public void Map_FrameTextThatIsNotText_FailsAsJson(string latin1, string field)
    {
        var json = Encoding.UTF8.GetBytes($$$"""{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"{{{field}}}":"@"}]}}]}}""");
        var at = Array.IndexOf(json, (byte)'@');
        byte[] raw = [.. json[..at], .. Encoding.Latin1.GetBytes(latin1), .. json[(at + 1)..]];

        Assert.ThrowsAny<JsonException>(() => SentryEventMapper.Map(raw, null, null));
    }

    private static EventPayload Map(string json) => SentryEventMapper.Map(Encoding.UTF8.GetBytes(json), null, null).Payload;
}
