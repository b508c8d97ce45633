using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Alerts.Notifier.Crawler;

/// <summary>A connection the crawler refused to open: every address of the host is private (see <see cref="PrivateAddress"/>).</summary>
public sealed class PrivateTargetRefusedException(string host) : Exception($"{host} resolves to private addresses only; AllowPrivateTargets is off.");

/// <summary>
/// Outbound HTTP for the crawler and uptime checks: no automatic redirects (each hop is checked), no cookies, the
/// private-address guard at connect time, and bodies read up to a cap.
/// </summary>
public static class CrawlHttp
{
    public static HttpClient Create(CrawlerOptions options)
    {
        var handler = CreateHandler(options.AllowPrivateTargets, TimeSpan.FromSeconds(Math.Min(options.TimeoutSeconds, 15)));
        handler.MaxConnectionsPerServer = 1; // one request at a time per host
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(CrawlerOptions.UserAgent);
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        return client;
    }

    /// <summary>The handler every outbound request goes through; the caller follows redirects itself.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateTargets, TimeSpan connectTimeout) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = connectTimeout,
        UseProxy = false, // through a proxy the guard below would check the proxy's address, not the target's
        // The address is checked where the connection is made, so a name that resolves anew (DNS rebinding) is caught too.
        ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowPrivateTargets, ct),
    };

    /// <summary>Reads at most <paramref name="maxBytes"/>; a longer body is cut there.</summary>
    public static async Task<(string Body, bool Oversized)> ReadCappedAsync(HttpResponseMessage response, int maxBytes, CancellationToken ct)
    {
        var cap = maxBytes;
        if (response.Content.Headers.ContentLength is { } length && length <= cap) cap = (int)length;
        var buffer = new byte[Math.Clamp(cap, 1, 64 * 1024)];
        using var bytes = new MemoryStream();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var oversized = false;
        while (true)
        {
            var read = await stream.ReadAsync(buffer, ct);
            if (read == 0) break;
            var room = maxBytes - (int)bytes.Length;
            if (read > room)
            {
                bytes.Write(buffer, 0, room);
                oversized = true;
                break;
            }
            bytes.Write(buffer, 0, read);
        }
        var encoding = Encoding.UTF8;
        try
        {
            if (response.Content.Headers.ContentType?.CharSet is { Length: > 0 } charset) encoding = Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            // An unknown charset is read as UTF-8: the links are ASCII in practice.
        }
        return (encoding.GetString(bytes.GetBuffer(), 0, (int)bytes.Length), oversized);
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (!allowPrivate) addresses = [.. addresses.Where(a => !PrivateAddress.IsPrivate(a))];
        if (addresses.Length == 0) throw new PrivateTargetRefusedException(endpoint.Host);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
