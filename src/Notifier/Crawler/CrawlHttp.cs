using System.Net;
using System.Net.Sockets;

namespace Alerts.Notifier.Crawler;

/// <summary>A connection the crawler refused to open: every address of the host is private (see <see cref="PrivateAddress"/>).</summary>
public sealed class PrivateTargetRefusedException(string host) : Exception($"{host} resolves to private addresses only; Alerts:Crawler:AllowPrivateTargets is off.");

/// <summary>The crawler's HTTP client: no automatic redirects (each hop is checked), no cookies, and the private-address guard at connect time.</summary>
public static class CrawlHttp
{
    public static HttpClient Create(CrawlerOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 1, // one request at a time per host
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(options.TimeoutSeconds, 15)),
            // The address is checked where the connection is made, so a name that resolves anew (DNS rebinding) is caught too.
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, options.AllowPrivateTargets, ct),
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(CrawlerOptions.UserAgent);
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml,*/*;q=0.8");
        return client;
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
