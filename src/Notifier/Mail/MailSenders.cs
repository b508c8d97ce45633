using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Notifier.Mail;

public enum SendOutcome { Sent, Transient, Permanent }

/// <summary>What became of one message: sent (with the server's reply), worth retrying, or refused for good.</summary>
public sealed record SendResult(SendOutcome Outcome, string Detail);

/// <summary>Speaks to the mail system; rendering is done before, in <see cref="AlertMailRenderer"/>.</summary>
public interface IMailSender
{
    /// <summary>
    /// Sends a batch over one connection, yielding one result per message, in order. The next message goes out only
    /// when the caller asks for the next result, so a caller that records each result first never has more than one
    /// message sent and not recorded; a caller that stops early sends nothing more.
    /// </summary>
    IAsyncEnumerable<SendResult> SendAsync(IReadOnlyList<MimeMessage> messages, CancellationToken ct);
}

/// <summary>SMTP through MailKit, honouring every Alerts:Email setting (Django's EMAIL_* semantics).</summary>
public sealed class SmtpMailSender(IOptions<EmailOptions> options, ILogger<SmtpMailSender> logger) : IMailSender
{
    public async IAsyncEnumerable<SendResult> SendAsync(IReadOnlyList<MimeMessage> messages, [EnumeratorCancellation] CancellationToken ct)
    {
        var o = options.Value;
        using var client = CreateClient(o);
        string? notConnected = null;
        try
        {
            await ConnectAsync(client, o, ct);
        }
        catch (Exception ex) when (IsSmtpFailure(ex))
        {
            notConnected = $"Could not {(client.IsConnected ? "log in to" : "connect to")} {o.Host}:{o.Port}: {ex.Message}";
            logger.LogWarning("{Detail}", notConnected);
        }
        if (notConnected is not null)
        {
            // Nothing was sent: every message is worth another try once the server or the settings are fixed.
            foreach (var _ in messages) yield return new SendResult(SendOutcome.Transient, notConnected);
            yield break;
        }

        try
        {
            foreach (var message in messages)
                yield return client.IsConnected
                    ? await SendOneAsync(client, message, ct)
                    : new SendResult(SendOutcome.Transient, "The connection was lost before this message.");
        }
        finally
        {
            // Also when the caller stops early: the server sees a clean end of the session.
            if (client.IsConnected)
            {
                try { await client.DisconnectAsync(quit: true, ct); }
                catch (Exception ex) when (IsSmtpFailure(ex)) { logger.LogDebug(ex, "QUIT failed after sending"); }
            }
        }
    }

    /// <summary>
    /// What <c>alerts check</c> says of the server: connects as for sending (EHLO, STARTTLS or implicit TLS, AUTH) and
    /// quits without sending. Null error when every step passed.
    /// </summary>
    public async Task<(string Found, string? Error)> CheckAsync(CancellationToken ct)
    {
        var o = options.Value;
        using var client = CreateClient(o);
        try
        {
            await ConnectAsync(client, o, ct);
            var tls = client.IsSecure ? $"{(o.UseSsl ? "implicit TLS" : "STARTTLS")} ({client.SslProtocol})" : "no TLS";
            var auth = client.IsAuthenticated ? $"AUTH as {o.HostUser}" : "no AUTH"
                + (client.AuthenticationMechanisms.Count > 0 ? $" (offers {string.Join(' ', client.AuthenticationMechanisms)})" : "");
            await client.DisconnectAsync(quit: true, ct);
            return ($"EHLO answered, {tls}, {auth}; nothing sent", null);
        }
        catch (Exception ex) when (IsSmtpFailure(ex))
        {
            return ("", $"could not {(client.IsConnected ? (client.IsSecure || !o.UseTls ? "log in" : "start TLS") : "connect")}: {ex.Message}");
        }
    }

    private static SmtpClient CreateClient(EmailOptions o)
    {
        var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
        if (o.TrustedServerCertFile.Length > 0)
        {
            string thumbprint;
            using (var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(o.TrustedServerCertFile)))
                thumbprint = trusted.Thumbprint;
            // The system's validation still decides, except that this one pinned certificate is also accepted.
            client.ServerCertificateValidationCallback = (_, cert, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || (cert is not null && cert.GetCertHashString() == thumbprint);
        }
        if (o.SslCertFile.Length > 0)
            client.ClientCertificates = [X509Certificate2.CreateFromPemFile(o.SslCertFile, o.SslKeyFile)];
        return client;
    }

    private static async Task ConnectAsync(SmtpClient client, EmailOptions o, CancellationToken ct)
    {
        // Django never upgrades a plain connection unless EMAIL_USE_TLS says so; neither do we.
        var security = o.UseSsl ? SecureSocketOptions.SslOnConnect : o.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        await client.ConnectAsync(o.Host, o.Port, security, ct);
        if (o.HostUser.Length > 0)
            await client.AuthenticateAsync(o.HostUser, o.HostPassword, ct);
    }

    private static async Task<SendResult> SendOneAsync(SmtpClient client, MimeMessage message, CancellationToken ct)
    {
        try
        {
            return new SendResult(SendOutcome.Sent, await client.SendAsync(message, ct));
        }
        catch (SmtpCommandException ex)
        {
            var code = (int)ex.StatusCode;
            return new SendResult(code >= 500 ? SendOutcome.Permanent : SendOutcome.Transient, $"{code} {ex.Message}");
        }
        catch (Exception ex) when (IsSmtpFailure(ex))
        {
            return new SendResult(SendOutcome.Transient, ex.Message);
        }
    }

    private static bool IsSmtpFailure(Exception ex) =>
        ex is IOException or SmtpCommandException or SmtpProtocolException or AuthenticationException
            or ServiceNotConnectedException or ServiceNotAuthenticatedException or System.Net.Sockets.SocketException
            or SslHandshakeException or TimeoutException or OperationCanceledException { CancellationToken.IsCancellationRequested: false }
            or NotSupportedException;
}

/// <summary>Writes each message as an .eml file (Django's file-based backend), for machines with no mail server.</summary>
public sealed class FileMailSender(IOptions<EmailOptions> options, TimeProvider clock) : IMailSender
{
    public async IAsyncEnumerable<SendResult> SendAsync(IReadOnlyList<MimeMessage> messages, [EnumeratorCancellation] CancellationToken ct)
    {
        var dir = Path.GetFullPath(options.Value.FilePath);
        Directory.CreateDirectory(dir);
        foreach (var message in messages)
        {
            var name = $"{clock.GetUtcNow():yyyyMMdd-HHmmss}-{SafeName(message.MessageId)}.eml";
            var path = Path.Combine(dir, name);
            // Written aside, then renamed: whatever watches the folder sees whole messages only.
            var partial = Path.Combine(dir, $".{name}.partial");
            await message.WriteToAsync(partial, ct);
            File.Move(partial, path, overwrite: true);
            yield return new SendResult(SendOutcome.Sent, $"written to {path}");
        }
    }

    private static string SafeName(string? messageId) =>
        new((messageId ?? Guid.NewGuid().ToString("N")).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray());
}

/// <summary>Prints each message to standard output (Django's console backend).</summary>
public sealed class ConsoleMailSender : IMailSender
{
    public async IAsyncEnumerable<SendResult> SendAsync(IReadOnlyList<MimeMessage> messages, [EnumeratorCancellation] CancellationToken ct)
    {
        var stdout = Console.OpenStandardOutput();
        foreach (var message in messages)
        {
            await message.WriteToAsync(stdout, ct);
            await stdout.WriteAsync("\n-------------------------------------------------------------------------------\n"u8.ToArray(), ct);
            await stdout.FlushAsync(ct);
            yield return new SendResult(SendOutcome.Sent, "printed to the console");
        }
    }
}
