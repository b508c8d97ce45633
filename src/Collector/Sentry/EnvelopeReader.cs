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
/// <remarks>
/// Reads into one buffer from the shared pool, grown (through the pool) only as far as a kept line or payload needs: a
/// kept payload is a slice of that buffer, not a copy, valid until the next read or <see cref="Dispose"/>.
/// </remarks>
internal sealed class EnvelopeReader(Stream source, int maxEventBytes) : IDisposable
{
    /// <summary>Header lines carry ids, a DSN and SDK names; anything longer is not an envelope.</summary>
    public const int MaxHeaderLineBytes = 64 * 1024;

    private const int ReadSize = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
    private int _start;
    private int _end;
    private bool _eof;
    private bool _headerRead;
    private (string Type, long Length)? _afterPayload;

    /// <summary>The types whose payload is kept; the rest are accepted and dropped.</summary>
    public static bool IsIngested(string type) => type is SentryItemTypes.Event or SentryItemTypes.CheckIn;

    /// <summary>Reads the whole envelope from <paramref name="source"/>, each kept payload copied out of the reader's buffer.</summary>
    public static async Task<Envelope> ReadAllAsync(Stream source, int maxEventBytes, CancellationToken ct = default)
    {
        using var reader = new EnvelopeReader(source, maxEventBytes);
        var header = await reader.ReadHeaderAsync(ct);
        var items = new List<EnvelopeItem>();
        while (await reader.ReadItemAsync(ct) is { } item) items.Add(item with { Payload = item.Payload.ToArray() });
        return new Envelope(header, items);
    }

    /// <summary>The envelope's header line. Call once, first.</summary>
    public async ValueTask<SentryEnvelopeHeader> ReadHeaderAsync(CancellationToken ct = default)
    {
        if (_headerRead) throw new InvalidOperationException("The envelope header has been read already.");
        _headerRead = true;
        var line = await ReadLineAsync(MaxHeaderLineBytes, keep: true, static () => HeaderTooLong("The envelope header"), ct);
        if (line is null || line.Value.Length == 0)
            throw new EnvelopeFormatException("The envelope is empty: it must start with a JSON header line.");
        return ParseHeader(line.Value.Span, SentryJsonContext.Default.SentryEnvelopeHeader, "envelope header");
    }

    /// <summary>The next item, or null after the last one. Its payload is valid until the next read.</summary>
    public async ValueTask<EnvelopeItem?> ReadItemAsync(CancellationToken ct = default)
    {
        if (!_headerRead) throw new InvalidOperationException("Read the envelope header first.");
        if (_afterPayload is var (previous, previousLength) && (_start < _end || await FillAsync(ct)))
        {
            if (_buffer[_start] != (byte)'\n')
                throw new EnvelopeFormatException($"The {previous} item is longer than its length of {previousLength} bytes.");
            _start++;
        }
        _afterPayload = null;
        ReadOnlyMemory<byte>? line;
        do
        {
            // Blank lines between items (a trailing newline, say) separate nothing: skip them.
            line = await ReadLineAsync(MaxHeaderLineBytes, keep: true, static () => HeaderTooLong("An item header"), ct);
            if (line is null) return null;
        }
        while (line.Value.Length == 0);

        var header = ParseHeader(line.Value.Span, SentryJsonContext.Default.SentryItemHeader, "item header");
        if (string.IsNullOrEmpty(header.Type))
            throw new EnvelopeFormatException("An item header has no \"type\".");
        if (header.Length is < 0)
            throw new EnvelopeFormatException($"The {header.Type} item has a negative length.");
        var type = header.Type;

        var keep = IsIngested(type);
        if (header.Length is { } length)
        {
            if (keep && length > maxEventBytes)
                throw EventTooLarge();
            var payload = await ReadExactlyAsync(length, keep, type, ct);
            // After a payload of known length comes a newline or the end, checked on the next read: reading now could
            // move what the returned payload points at.
            _afterPayload = (type, length);
            return new EnvelopeItem(type, payload);
        }

        var implicitPayload = await ReadLineAsync(keep ? maxEventBytes : long.MaxValue, keep, EventTooLarge, ct);
        return new EnvelopeItem(type, keep ? implicitPayload ?? ReadOnlyMemory<byte>.Empty : ReadOnlyMemory<byte>.Empty);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
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
    /// Bytes up to the next newline (which is consumed) or the end; null when already at the end. A kept line stays
    /// whole in the buffer and is returned as a slice of it; a dropped one is only counted. Past <paramref name="max"/>
    /// bytes: <paramref name="tooLong"/>.
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(long max, bool keep, Func<Exception> tooLong, CancellationToken ct)
    {
        long dropped = 0;
        var scanned = 0; // bytes after _start already searched for the newline
        var started = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                if (dropped + length > max) throw tooLong();
                var line = _buffer.AsMemory(_start, keep ? length : 0);
                _start += length + 1;
                return line;
            }
            scanned = _end - _start;
            started |= scanned > 0;
            if (dropped + scanned > max) throw tooLong();
            if (!keep)
            {
                // Nothing of a dropped line is kept: its bytes make room for the next read.
                dropped += scanned;
                _start = _end;
                scanned = 0;
            }
            if (!await FillAsync(ct))
            {
                if (!started) return null; // (a bare null here would convert to an empty memory through byte[])
                var rest = _buffer.AsMemory(_start, keep ? _end - _start : 0);
                _start = _end;
                return rest;
            }
        }
    }

    /// <summary>Exactly <paramref name="length"/> bytes: a slice of the buffer when kept, else read past.</summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadExactlyAsync(long length, bool keep, string type, CancellationToken ct)
    {
        long done = 0;
        while (_end - _start < (keep ? length : 1) || (!keep && done < length))
        {
            if (!keep)
            {
                var take = (int)Math.Min(_end - _start, length - done);
                _start += take;
                done += take;
                if (done == length) return ReadOnlyMemory<byte>.Empty;
            }
            if (!await FillAsync(ct))
                throw new EnvelopeFormatException(
                    $"The envelope ends inside the {type} item: {(keep ? _end - _start : done)} of its {length} bytes arrived.");
        }
        if (!keep) return ReadOnlyMemory<byte>.Empty;
        var payload = _buffer.AsMemory(_start, (int)length);
        _start += (int)length;
        return payload;
    }

    /// <summary>
    /// Reads more after what the buffer holds, first moving the unread bytes to its front and, when they fill it,
    /// trading it for one twice as large from the pool; false at the end of the stream.
    /// </summary>
    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_eof) return false;
        if (_start == _end) _start = _end = 0;
        if (_end == _buffer.Length)
        {
            var unread = _end - _start;
            if (unread * 2 > _buffer.Length || _start == 0)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(ReadSize, unread * 2));
                _buffer.AsSpan(_start, unread).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            else
            {
                _buffer.AsSpan(_start, unread).CopyTo(_buffer);
            }
            _start = 0;
            _end = unread;
        }
        var read = await source.ReadAsync(_buffer.AsMemory(_end), ct);
        if (read == 0) _eof = true;
        _end += read;
        return read > 0;
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
