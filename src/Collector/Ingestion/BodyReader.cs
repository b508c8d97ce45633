using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alerts.Collector.Ingestion;

/// <summary>
/// Opens a request body for reading, decoding gzip, deflate and br, with one limit on the bytes on the wire and one on
/// the decoded bytes, so no request can make us hold (or inflate) more than the limits.
/// </summary>
internal static class BodyReader
{
    /// <summary>
    /// A whole body, decoded, in an array rented from the shared pool (or the answer to give instead). Dispose it once,
    /// as soon as what was parsed from it no longer points into it.
    /// </summary>
    public readonly struct Body(ReadOnlyMemory<byte> bytes, ProblemHttpResult? error, byte[]? rented) : IDisposable
    {
        public ReadOnlyMemory<byte> Bytes { get; } = bytes;

        public ProblemHttpResult? Error { get; } = error;

        public void Dispose()
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public readonly record struct Decoded(Stream? Stream, ProblemHttpResult? Error);

    /// <summary>The whole body, decoded, when it is at most <paramref name="max"/> bytes on the wire and decoded.</summary>
    public static async Task<Body> ReadAsync(HttpContext http, int max, string what = "Event")
    {
        var opened = Open(http, max, max, what);
        if (opened.Error is { } error) return new Body(default, error, null);
        await using var source = opened.Stream!;
        // Sized for the declared length (at most the limit) and one byte more, so the read that finds the end needs no
        // larger buffer; a compressed body starts at four times its length.
        var declared = http.Request.ContentLength is { } length and > 0 ? length : 4096;
        var compressed = http.Request.Headers.ContentEncoding.Count > 0;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min((compressed ? declared * 4 : declared) + 1, max + 1L));
        var filled = 0;
        try
        {
            int read;
            do
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, max + 1L));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                read = await source.ReadAsync(buffer.AsMemory(filled), http.RequestAborted);
                filled += read;
            }
            while (read > 0);
        }
        catch (Exception ex) when (ex is PayloadTooLargeException or InvalidDataException or BadHttpRequestException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new Body(default, ex switch
            {
                PayloadTooLargeException tooLarge => TooLarge(tooLarge),
                BadHttpRequestException notReceived => NotReceived(notReceived),
                _ => Malformed(http.Request),
            }, null);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new Body(buffer.AsMemory(0, filled), null, buffer);
    }

    /// <summary>
    /// The decoded body as a stream that throws <see cref="PayloadTooLargeException"/> past either limit and
    /// <see cref="InvalidDataException"/> on a corrupt encoding; callers turn those into <see cref="TooLarge"/> and
    /// <see cref="Malformed"/>. Dispose it; the request body itself stays open.
    /// </summary>
    public static Decoded Open(HttpContext http, long maxOnWire, long maxDecoded, string what = "Event")
    {
        var request = http.Request;
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        var compressed = encoding is not ("" or "identity");
        // An uncompressed body is its own decoded form: the decoded limit is the one that applies to it.
        var wireLimit = compressed ? maxOnWire : maxDecoded;
        if (request.ContentLength > wireLimit)
            return new Decoded(null, TooLarge(new PayloadTooLargeException(what, wireLimit, compressed)));
        // Our limits replace Kestrel's default (30 MB), which would otherwise end a large body with its own error.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrelLimit)
            kestrelLimit.MaxRequestBodySize = null;

        var wire = new LimitedReadStream(request.Body, wireLimit, what, compressed, ownsInner: false);
        Stream? decoded = encoding switch
        {
            "" or "identity" => wire,
            "gzip" or "x-gzip" => new GZipStream(wire, CompressionMode.Decompress),
            "deflate" => new ZlibOrRawDeflateStream(wire),
            "br" => new BrotliStream(wire, CompressionMode.Decompress),
            _ => null,
        };
        if (decoded is null)
            return new Decoded(null, EventsApi.Problem(415, "Unsupported content encoding",
                $"Content-Encoding '{encoding}' is not supported; use gzip, deflate, br or none."));
        return new Decoded(ReferenceEquals(decoded, wire) ? wire : new LimitedReadStream(decoded, maxDecoded, what, compressed: false, ownsInner: true), null);
    }

    public static ProblemHttpResult TooLarge(PayloadTooLargeException ex) =>
        EventsApi.Problem(413, ex.Title, ex.Message);

    /// <summary>
    /// The server gave up on the body: it came too slowly (408, Kestrel's minimum data rate) or ended before its
    /// Content-Length (400). The client's fault, so a 4xx, not the 500 of an unhandled exception.
    /// </summary>
    public static ProblemHttpResult NotReceived(BadHttpRequestException ex) => ex.StatusCode == StatusCodes.Status408RequestTimeout
        ? EventsApi.Problem(408, "Body too slow", "The body arrived too slowly; send it at a steady rate.")
        : EventsApi.Problem(400, "Incomplete body", "The body ended before its Content-Length.");

    public static ProblemHttpResult Malformed(HttpRequest request) =>
        EventsApi.Problem(400, "Malformed body", $"The body is not valid {request.Headers.ContentEncoding}.");

    /// <summary>Counts what is read through it and throws once more than the limit has been read.</summary>
    private sealed class LimitedReadStream(Stream inner, long max, string what, bool compressed, bool ownsInner) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return Count(inner.Read(buffer, offset, count));
            }
            catch (InvalidOperationException ex) when (inner is BrotliStream)
            {
                throw Corrupt(ex);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Count(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (InvalidOperationException ex) when (inner is BrotliStream)
            {
                throw Corrupt(ex);
            }
        }

        // BrotliStream reports corrupt data as InvalidOperationException where gzip and deflate throw InvalidDataException.
        private static InvalidDataException Corrupt(InvalidOperationException ex) => new(ex.Message, ex);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > max) throw new PayloadTooLargeException(what, max, compressed);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            // The request body belongs to the server; only a decoder wrapped around it is ours to close.
            if (disposing && ownsInner) inner.Dispose();
            base.Dispose(disposing);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// HTTP's "deflate" is zlib-wrapped (RFC 9110), but some clients send raw deflate: the first two bytes tell
    /// which, since a zlib header is a multiple of 31 with compression method 8.
    /// </summary>
    private sealed class ZlibOrRawDeflateStream(Stream wire) : Stream
    {
        private Stream? _decoder;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _decoder ??= await CreateDecoderAsync(cancellationToken);
            return await _decoder.ReadAsync(buffer, cancellationToken);
        }

        private async Task<Stream> CreateDecoderAsync(CancellationToken ct)
        {
            var head = new byte[2];
            var got = 0;
            while (got < head.Length)
            {
                var n = await wire.ReadAsync(head.AsMemory(got), ct);
                if (n == 0) break;
                got += n;
            }
            var isZlib = got == 2 && (head[0] & 0x0F) == 8 && ((head[0] << 8) | head[1]) % 31 == 0;
            var whole = new PrefixedStream(head.AsMemory(0, got), wire);
            return isZlib ? new ZLibStream(whole, CompressionMode.Decompress) : new DeflateStream(whole, CompressionMode.Decompress);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _decoder?.Dispose();
            base.Dispose(disposing);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Bytes already read from a stream, then the rest of it (never closes the rest).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_prefix.IsEmpty) return rest.Read(buffer, offset, count);
            return TakePrefix(buffer.AsSpan(offset, count));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _prefix.IsEmpty ? rest.ReadAsync(buffer, cancellationToken) : ValueTask.FromResult(TakePrefix(buffer.Span));

        private int TakePrefix(Span<byte> destination)
        {
            var n = Math.Min(destination.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(destination);
            _prefix = _prefix[n..];
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A body, or a part of it, over its limit: the caller answers 413 with <see cref="Title"/> and the message.</summary>
public sealed class PayloadTooLargeException(string what, long max, bool compressed)
    : Exception($"The {what.ToLowerInvariant()} may be at most {max} bytes{(compressed ? " compressed" : " (after decompression)")}.")
{
    /// <summary>"Event too large", "Envelope too large".</summary>
    public string Title { get; } = $"{what} too large";
}
