using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerts.Collector.Sentry;
using Alerts.Collector.Tests.SentryOracle;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.TestSupport;
using CsCheck;

namespace Alerts.Collector.Tests;

/// <summary>
/// The single-pass Sentry mapper against the object-model mapper it replaced (<see cref="OracleSentryMapper"/>): the
/// same stored event (payload JSON, fingerprint, id) for every captured SDK event and for generated variations of the
/// fields' shapes, and a JSON error wherever the oracle refused the event.
/// </summary>
public sealed class SentryMapperDifferentialTests
{
    private static readonly System.Text.RegularExpressions.Regex SensitiveNames = EventScrubber.SensitiveNames([]);
    private static readonly DateTime Now = new(2026, 12, 5, 8, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> CapturedEvents => new()
    {
        SentryTestData.DotnetException, SentryTestData.DotnetChained, SentryTestData.DotnetMessage, SentryTestData.DotnetLogEntry,
        SentryTestData.NodeException, SentryTestData.NodeMessage, PythonStore,
    };

    private const string PythonStore = "python-store";

    [Theory]
    [MemberData(nameof(CapturedEvents))]
    public void Map_CapturedSdkEvent_StoresWhatTheObjectModelMapperStored(string file)
    {
        var json = file == PythonStore ? PythonStoreBody() : SentryTestData.EventJson(file);

        var (expected, actual) = (Oracle(json), Current(json));

        Assert.NotNull(expected);
        Assert.Equal(expected, actual);
    }

    /// <summary>Fields of a captured event replaced by values of every shape SDKs (and broken clients) send.</summary>
    [Fact]
    public void Map_FieldsInEveryShape_AgreeWithTheObjectModelMapper()
    {
        string[] slots =
        [
            "event_id", "timestamp", "level", "logger", "platform", "environment", "release", "server_name", "message", "logentry",
            "exception", "request", "tags", "user", "fingerprint", "contexts",
            "exception.values.0.type", "exception.values.0.value", "exception.values.0.module", "exception.values.0.mechanism",
            "exception.values.0.stacktrace", "exception.values.0.stacktrace.frames", "exception.values.0.stacktrace.frames.0.lineno",
            "exception.values.0.stacktrace.frames.0.in_app", "exception.values.0.stacktrace.frames.0.pre_context",
            "exception.values.0.stacktrace.frames.0.vars", "exception.values.0.stacktrace.frames.0.filename",
            "exception.values.0.stacktrace.frames.0.abs_path", "exception.values.0.stacktrace.frames.1.module",
            "request.headers", "request.cookies", "request.query_string", "request.env", "request.data", "request.url", "request.method",
            "logentry.message", "logentry.params", "logentry.formatted", "user.ip_address",
        ];
        string[] values =
        [
            "null", "\"text\"", "\"\"", "\"?a=1&b=2\"", "12", "\"12\"", "1.5", "-3", "true", "false", "{}", "[]",
            """{"a":"1","b":null,"c":2,"d":{"e":[1]}}""", """[["X","1"],["X","2"],["Y",null],"bad",["Z"]]""", """["a",null,3,{"k":1}]""",
            """{"values":[{"type":"E","value":"v"}]}""", """[{"type":"E","mechanism":{"synthetic":true},"value":"m"},{"type":"F"}]""",
            """{"message":"a %s b %d %%","params":["x",1]}""", """{"formatted":"f","message":"t"}""", "\"{{auto}}\"",
            """{"ip_address":"{{auto}}","id":5,"password":"p"}""", "1795428000.5", "\"2026-11-23T12:00:00+02:00\"", "\"1795428000\"",
            "\"" + new string('x', 9000) + "\"", "\"é😀 \\u00e9\"", """{"frames":[{"function":"f","in_app":true,"lineno":"7"}]}""",
            "\"{{ Default }}\"", """["{{default}}","db",7]""", """{"REMOTE_ADDR":"203.0.113.9","api_key":"s"}""", "\"theme=dark; lang=en\"",
            """{"synthetic":true}""", "\"warn\"", "\"POST\"", "\"https://a.example/p?token=1#x\"",
        ];
        var bases = new[] { SentryTestData.NodeException, SentryTestData.DotnetLogEntry, SentryTestData.NodeMessage }
            .Select(f => Encoding.UTF8.GetString(SentryTestData.EventJson(f))).Append(Encoding.UTF8.GetString(PythonStoreBody())).ToArray();

        Gen.Select(Gen.OneOf(bases), Gen.OneOf(slots).Array[1, 3], Gen.OneOf(values).Array[3])
            .Sample((json, paths, replacements) =>
            {
                var node = JsonNode.Parse(json)!;
                for (var i = 0; i < paths.Length; i++) Set(node, paths[i], replacements[i]);
                var text = Encoding.UTF8.GetBytes(node.ToJsonString());
                string? expected;
                try
                {
                    expected = Oracle(text);
                }
                catch (Exception ex) when (ex is not JsonException)
                {
                    // A shape the object-model mapper failed on outside JSON (a null list item, a 500): the new one maps it or
                    // refuses it as JSON; any other exception escapes TryCurrent and fails the test.
                    TryCurrent(text);
                    return;
                }
                catch (JsonException)
                {
                    Assert.Throws<JsonException>(() => Current(text));
                    return;
                }
                Assert.Equal(expected, Current(text));
            }, iter: 3000);
    }

    /// <summary>Sets <paramref name="path"/> (dotted, list indexes as numbers) to the JSON <paramref name="value"/> where the parents exist.</summary>
    private static void Set(JsonNode root, string path, string value)
    {
        var parts = path.Split('.');
        var parent = root;
        foreach (var part in parts[..^1])
        {
            parent = parent switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (parent is null) return;
        }
        var node = JsonNode.Parse(value);
        if (parent is JsonObject obj) obj[parts[^1]] = node;
        else if (parent is JsonArray list && int.TryParse(parts[^1], out var index) && index < list.Count) list[index] = node;
    }

    private static string Oracle(byte[] json)
    {
        var (id, payload) = OracleSentryMapper.Map(json, "9ec79c33ec9942ab8353589fcb2e04dc", "198.51.100.7");
        return Stored(id, payload);
    }

    private static string Current(byte[] json)
    {
        var mapped = SentryEventMapper.Map(json, "9ec79c33ec9942ab8353589fcb2e04dc", "198.51.100.7");
        return Stored(mapped.Id, mapped.Payload);
    }

    private static void TryCurrent(byte[] json)
    {
        try
        {
            Current(json);
        }
        catch (JsonException)
        {
            // refused as JSON: a 400
        }
    }

    /// <summary>What the inbox would hold: the scrubbed payload, its fingerprint and id (a new id only when none was sent).</summary>
    private static string Stored(string id, EventPayload payload)
    {
        try
        {
            EventScrubber.Scrub(payload, SensitiveNames);
            var stored = StoredEvent.Create(1, EventKind.Error, payload, Now, id.Length == 32 ? id : null);
            return $"{stored.Fingerprint} {stored.Payload}";
        }
        catch (InvalidOperationException ex)
        {
            return $"not storable: {ex.GetType().Name}"; // a lone surrogate in free-form JSON: both refuse it the same way
        }
    }

    private static byte[] PythonStoreBody()
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(RepoPaths.Root, "bench", "sentry", "python-store.json.gz")), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }
}
