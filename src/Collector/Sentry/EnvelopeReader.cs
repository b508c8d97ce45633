using System.Buffers;
using System.Text.Json;
using Alerts.Collector.Ingestion;

namespace Alerts.Collector.Sentry;

/// <summary>An envelope the reader could not make sense of: the client gets 400 with this message.</summary>
public sealed class EnvelopeFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One item of an envelope; <see cref="Payload"/> is only read for the types Alerts ingests.</summary>
internal sealed record EnvelopeItem(string Type, ReadOnlyMemory<byte> Payload);

/// <summary>A whole envelope, for callers (and tests) that want it at once.</summary>
internal sealed record Envelope(SentryEnvelopeHeader Header, IReadOnlyList<EnvelopeItem> Items);

/// <summary>
/// Reads Sentry's envelope format (https://develop.sentry.dev/sdk/data-model/envelopes/) from a stream: a JSON header
/// line, then items, each a JSON header line with <c>type</c> and an optional <c>length</c>, then the payload — exactly
/// <c>length</c> bytes, or up to the next newline when there is no length. Only <c>event</c> payloads are kept (each
/// at most the event limit); every other payload is read past and dropped, so an envelope's attachments never sit in
/// memory. Throws <see cref="EnvelopeFormatException"/> for a malformed or truncated envelope and
/// <see cref="PayloadTooLargeException"/> for an event item over the limit.
/// </summary>
internal sealed class EnvelopeReader(Stream source, int maxEventBytes)
{
    /// <summary>Header lines carry ids, a DSN and SDK names; anything longer is not an envelope.</summary>
    public const int MaxHeaderLineBytes = 64 * 1024;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _headerRead;

    /// <summary>The types whose payload is kept; the rest are accepted and dropped.</summary>
    public static bool IsIngested(string type) => type is SentryItemTypes.Event or SentryItemTypes.CheckIn;

    /// <summary>Reads the whole envelope from <paramref name="source"/>.</summary>
    public static async Task<Envelope> ReadAllAsync(Stream source, int maxEventBytes, CancellationToken ct = default)
    {
        var reader = new EnvelopeReader(source, maxEventBytes);
        var header = await reader.ReadHeaderAsync(ct);
        var items = new List<EnvelopeItem>();
        while (await reader.ReadItemAsync(ct) is { } item) items.Add(item);
        return new Envelope(header, items);
    }

    /// <summary>The envelope's header line. Call once, first.</summary>
    public async Task<SentryEnvelopeHeader> ReadHeaderAsync(CancellationToken ct = default)
    {
        if (_headerRead) throw new InvalidOperationException("The envelope header has been read already.");
        _headerRead = true;
        var line = await ReadLineAsync(MaxHeaderLineBytes, keep: true, () => HeaderTooLong("The envelope header"), ct);
        if (line is null || line.Value.Length == 0)
            throw new EnvelopeFormatException("The envelope is empty: it must start with a JSON header line.");
        return ParseHeader(line.Value.Span, SentryJsonContext.Default.SentryEnvelopeHeader, "envelope header");
    }

    /// <summary>The next item, or null after the last one.</summary>
    public async Task<EnvelopeItem?> ReadItemAsync(CancellationToken ct = default)
    {
        if (!_headerRead) throw new InvalidOperationException("Read the envelope header first.");
        ReadOnlyMemory<byte>? line;
        do
        {
            // Blank lines between items (a trailing newline, say) separate nothing: skip them.
            line = await ReadLineAsync(MaxHeaderLineBytes, keep: true, () => HeaderTooLong("An item header"), ct);
            if (line is null) return null;
        }
        while (line.Value.Length == 0);

        var header = ParseHeader(line.Value.Span, SentryJsonContext.Default.SentryItemHeader, "item header");
        if (string.IsNullOrEmpty(header.Type))
            throw new EnvelopeFormatException("An item header has no \"type\".");
        if (header.Length is < 0)
            throw new EnvelopeFormatException($"The {header.Type} item has a negative length.");

        var keep = IsIngested(header.Type);
        if (header.Length is { } length)
        {
            if (keep && length > maxEventBytes)
                throw EventTooLarge();
            var payload = await ReadExactlyAsync(length, keep, header.Type, ct);
            // After a payload of known length: a newline, or the end of the envelope.
            if (await PeekByteAsync(ct) is { } next)
            {
                if (next != (byte)'\n')
                    throw new EnvelopeFormatException($"The {header.Type} item is longer than its length of {length} bytes.");
                _start++;
            }
            return new EnvelopeItem(header.Type, payload);
        }

        var implicitPayload = await ReadLineAsync(keep ? maxEventBytes : long.MaxValue, keep, EventTooLarge, ct);
        return new EnvelopeItem(header.Type, keep ? implicitPayload ?? ReadOnlyMemory<byte>.Empty : ReadOnlyMemory<byte>.Empty);
    }

    private static T ParseHeader<T>(ReadOnlySpan<byte> line, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(line, info) ?? throw new EnvelopeFormatException($"The {what} must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new EnvelopeFormatException($"The {what} is not valid JSON: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    /// <summary>
    /// Bytes up to the next newline (which is consumed) or the end; null when already at the end. Kept bytes go to
    /// the result; dropped ones are only counted. Past <paramref name="max"/> bytes: <paramref name="tooLong"/>.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>?> ReadLineAsync(long max, bool keep, Func<Exception> tooLong, CancellationToken ct)
    {
        ArrayBufferWriter<byte>? kept = null;
        long length = 0;
        var started = false;
        while (true)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                if (!started) return null; // (a bare null here would convert to an empty memory through byte[])
                return kept?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty;
            }
            started = true;
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            var take = newline >= 0 ? newline : available.Length;
            length += take;
            if (length > max) throw tooLong();
            if (keep)
            {
                if (newline >= 0 && kept is null)
                {
                    // The usual case: the whole line is in the buffer.
                    var line = available[..take].ToArray();
                    _start += take + 1;
                    return line;
                }
                (kept ??= new ArrayBufferWriter<byte>()).Write(available[..take]);
            }
            _start += take;
            if (newline >= 0)
            {
                _start++;
                return kept?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty;
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> ReadExactlyAsync(long length, bool keep, string type, CancellationToken ct)
    {
        var payload = keep ? new byte[length] : null;
        long done = 0;
        while (done < length)
        {
            if (_start == _end && !await FillAsync(ct))
                throw new EnvelopeFormatException($"The envelope ends inside the {type} item: {done} of its {length} bytes arrived.");
            var take = (int)Math.Min(_end - _start, length - done);
            if (payload is not null) _buffer.AsSpan(_start, take).CopyTo(payload.AsSpan((int)done));
            _start += take;
            done += take;
        }
        return payload ?? ReadOnlyMemory<byte>.Empty;
    }

    private async Task<byte?> PeekByteAsync(CancellationToken ct) =>
        _start < _end || await FillAsync(ct) ? _buffer[_start] : null;

    /// <summary>Reads more into the (empty) buffer; false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        _start = 0;
        _end = await source.ReadAsync(_buffer, ct);
        if (_end == 0) _eof = true;
        return _end > 0;
    }

    private static EnvelopeFormatException HeaderTooLong(string what) =>
        new($"{what} line is longer than {MaxHeaderLineBytes} bytes.");

    private PayloadTooLargeException EventTooLarge() => new("Event", maxEventBytes, compressed: false);
}

/// <summary>The item types Alerts ingests; every other type is accepted and dropped.</summary>
internal static class SentryItemTypes
{
    public const string Event = "event";
    public const string CheckIn = "check_in";
}
