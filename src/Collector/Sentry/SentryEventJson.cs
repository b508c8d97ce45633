using System.Text.Json.Serialization;
using Alerts.Core.Events;

namespace Alerts.Collector.Sentry;

/// <summary>The envelope's first line: the only headers Alerts reads.</summary>
internal sealed class SentryEnvelopeHeader
{
    public string? EventId { get; set; }
    public string? Dsn { get; set; }
}

/// <summary>An item's header line: its type and, optionally, its payload's length in bytes.</summary>
internal sealed class SentryItemHeader
{
    public string? Type { get; set; }
    public long? Length { get; set; }
}

/// <summary>The answer Sentry SDKs expect: the id of the event they sent.</summary>
public sealed record SentryAccepted(string? Id);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    AllowTrailingCommas = true,
    MaxDepth = EventJson.MaxDepth)]
[JsonSerializable(typeof(SentryEnvelopeHeader))]
[JsonSerializable(typeof(SentryItemHeader))]
[JsonSerializable(typeof(SentryAccepted))]
internal sealed partial class SentryJsonContext : JsonSerializerContext;

