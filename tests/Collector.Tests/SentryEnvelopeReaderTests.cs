using System.Text;
using System.Text.Json;
using Alerts.Collector.Ingestion;
using Alerts.Collector.Sentry;

namespace Alerts.Collector.Tests;

public sealed class SentryEnvelopeReaderTests
{
    private const int MaxEvent = 1024;

    public static TheoryData<string, string, string?, string> CapturedEnvelopes => new()
    {
        // file, the event_id of the header, the event's exception type (or message), the item types in order
        { SentryTestData.DotnetException, "24b8e0304beb4c28a0483eba7caf7780", "System.DivideByZeroException", "event" },
        { SentryTestData.DotnetChained, "8af7f0a538354e89baa6a8efaaf43fab", "System.DivideByZeroException", "event" },
        { SentryTestData.DotnetLogEntry, "4556af92d4ef461cb79c11a1b34d91cc", null, "event" },
        { SentryTestData.NodeException, "56768c302e5e4c3ea322ed10669be433", "TypeError", "event" },
        { SentryTestData.NodeSessions, "", null, "sessions" },
    };

    [Theory]
    [MemberData(nameof(CapturedEnvelopes))]
    public async Task Read_CapturedSdkEnvelope_YieldsItsItemsAndEvent(string file, string eventId, string? exceptionType, string types)
    {
        foreach (var source in Sources(SentryTestData.Envelope(file)))
        {
            var envelope = await EnvelopeReader.ReadAllAsync(source, 1024 * 1024);

            Assert.Equal(eventId, SentryEventMapper.NormalizeId(envelope.Header.EventId) ?? "");
            Assert.Equal(types, string.Join(",", envelope.Items.Select(i => i.Type)));
            var item = envelope.Items.SingleOrDefault(i => i.Type == "event");
            if (item is null) continue;
            using var json = JsonDocument.Parse(item.Payload);
            if (exceptionType is not null)
                Assert.Equal(exceptionType, json.RootElement.GetProperty("exception").GetProperty("values")[0].GetProperty("type").GetString());
        }
    }

    public static TheoryData<string, string, string> WellFormed => new()
    {
        // what, envelope, items as type=payload (payloads of dropped types are empty)
        { "event with length", "{}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n", "event={\"a\":1}" },
        { "event without length", "{}\n{\"type\":\"event\"}\n{\"a\":1}\n", "event={\"a\":1}" },
        { "no trailing newline", "{}\n{\"type\":\"event\"}\n{\"a\":1}", "event={\"a\":1}" },
        { "length, no trailing newline", "{}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}", "event={\"a\":1}" },
        { "header only", "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n", "" },
        { "header only, no newline", "{}", "" },
        { "unknown item skipped", "{}\n{\"type\":\"profile_chunk\"}\n{\"x\":2}\n{\"type\":\"event\"}\n{}\n", "profile_chunk=|event={}" },
        { "attachment with newlines inside its length", "{}\n{\"type\":\"attachment\",\"length\":11,\"filename\":\"a.txt\"}\nline1\nline2\n{\"type\":\"event\",\"length\":2}\n{}\n", "attachment=|event={}" },
        { "empty payload with length 0", "{}\n{\"type\":\"client_report\",\"length\":0}\n\n{\"type\":\"event\"}\n{}", "client_report=|event={}" },
        { "transaction and session dropped", "{}\n{\"type\":\"transaction\"}\n{\"spans\":[]}\n{\"type\":\"session\"}\n{\"sid\":\"x\"}\n", "transaction=|session=" },
        { "blank lines between items", "{}\n\n{\"type\":\"event\"}\n{}\n\n\n", "event={}" },
        { "dropped item over the event limit", "{}\n{\"type\":\"attachment\"}\n" + new string('x', 5000) + "\n", "attachment=" },
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public async Task Read_WellFormedEnvelope_KeepsEventsAndSkipsTheRest(string what, string text, string expected)
    {
        foreach (var source in Sources(Encoding.UTF8.GetBytes(text)))
        {
            var envelope = await EnvelopeReader.ReadAllAsync(source, MaxEvent);

            var items = string.Join("|", envelope.Items.Select(i => $"{i.Type}={Encoding.UTF8.GetString(i.Payload.Span)}"));
            Assert.True(expected == items, $"{what}: expected [{expected}], read [{items}]");
        }
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        // what, envelope, a word the message names
        { "empty body", "", "empty" },
        { "header is not JSON", "not json\n", "envelope header" },
        { "header is a JSON array", "[1]\n", "envelope header" },
        { "item header is not JSON", "{}\n{type: event}\n{}\n", "item header" },
        { "item without type", "{}\n{\"length\":2}\n{}\n", "type" },
        { "negative length", "{}\n{\"type\":\"event\",\"length\":-1}\n{}\n", "negative" },
        { "truncated payload", "{}\n{\"type\":\"event\",\"length\":100}\n{\"a\":1}\n", "ends inside" },
        { "payload longer than its length", "{}\n{\"type\":\"event\",\"length\":2}\n{\"a\":1}\n", "longer than its length" },
        { "header line over the limit", "{\"x\":\"" + new string('a', EnvelopeReader.MaxHeaderLineBytes) + "\"}\n", "longer than" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Read_MalformedEnvelope_FailsWithAMessageNamingTheProblem(string what, string text, string named)
    {
        foreach (var source in Sources(Encoding.UTF8.GetBytes(text)))
        {
            var ex = await Assert.ThrowsAsync<EnvelopeFormatException>(() => EnvelopeReader.ReadAllAsync(source, MaxEvent));
            Assert.True(ex.Message.Contains(named, StringComparison.Ordinal), $"{what}: {ex.Message}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Read_EventItemOverTheLimit_IsTooLarge(bool withLength)
    {
        var text = SentryTestData.EventEnvelope($"{{\"message\":\"{new string('x', MaxEvent)}\"}}", withLength: withLength);

        var ex = await Assert.ThrowsAsync<PayloadTooLargeException>(() => EnvelopeReader.ReadAllAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), MaxEvent));
        Assert.Equal("Event too large", ex.Title);
    }

    /// <summary>Each envelope read whole and a byte at a time, so no item boundary depends on how the network cut it.</summary>
    private static IEnumerable<Stream> Sources(byte[] bytes)
    {
        yield return new MemoryStream(bytes);
        yield return new TrickleStream(bytes);
    }

    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
