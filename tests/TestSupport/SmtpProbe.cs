using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Alerts.TestSupport;

/// <summary>Readiness check for SMTP test servers.</summary>
internal static class SmtpProbe
{
    /// <summary>
    /// True when 127.0.0.1:<paramref name="port"/> accepts a connection and greets with <c>220</c>
    /// (after a TLS handshake against <see cref="TestCertificates"/> when <paramref name="implicitTls"/>).
    /// </summary>
    public static async Task<bool> GreetsAsync(int port, bool implicitTls)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            Stream stream = client.GetStream();
            await using var tls = implicitTls
                ? new SslStream(stream, leaveInnerStreamOpen: true, (_, certificate, _, _) => TestCertificates.IsTestCertificate(certificate))
                : null;
            if (tls is not null)
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token);
                stream = tls;
            }

            using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            var greeting = await reader.ReadLineAsync(timeout.Token);
            if (greeting is null || !greeting.StartsWith("220", StringComparison.Ordinal))
            {
                return false;
            }

            await stream.WriteAsync("QUIT\r\n"u8.ToArray(), timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException)
        {
            return false;
        }
    }
}
