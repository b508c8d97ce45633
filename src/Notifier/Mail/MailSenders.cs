using System.Security.Cryptography.X509Certificates;
using Alerts.Core.Options;
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
    /// <summary>Sends a batch over one connection; returns one result per message, in order.</summary>
    Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<MimeMessage> messages, CancellationToken ct);
}

/// <summary>SMTP through MailKit, honouring every Alerts:Email setting (Django's EMAIL_* semantics).</summary>
public sealed class SmtpMailSender(IOptions<EmailOptions> options, ILogger<SmtpMailSender> logger) : IMailSender
{
    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<MimeMessage> messages, CancellationToken ct)
    {
        var o = options.Value;
        var results = new List<SendResult>(messages.Count);
        using var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
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

        // Django never upgrades a plain connection unless EMAIL_USE_TLS says so; neither do we.
        var security = o.UseSsl ? SecureSocketOptions.SslOnConnect : o.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        try
        {
            await client.ConnectAsync(o.Host, o.Port, security, ct);
            if (o.HostUser.Length > 0)
                await client.AuthenticateAsync(o.HostUser, o.HostPassword, ct);
        }
        catch (Exception ex) when (IsSmtpFailure(ex))
        {
            // Nothing was sent: every message is worth another try once the server or the settings are fixed.
            var detail = $"Could not {(client.IsConnected ? "log in to" : "connect to")} {o.Host}:{o.Port}: {ex.Message}";
            logger.LogWarning("{Detail}", detail);
            return [.. messages.Select(_ => new SendResult(SendOutcome.Transient, detail))];
        }

        foreach (var message in messages)
        {
            if (!client.IsConnected)
            {
                results.Add(new SendResult(SendOutcome.Transient, "The connection was lost before this message."));
                continue;
            }
            try
            {
                var reply = await client.SendAsync(message, ct);
                results.Add(new SendResult(SendOutcome.Sent, reply));
            }
            catch (SmtpCommandException ex)
            {
                var code = (int)ex.StatusCode;
                var detail = $"{code} {ex.Message}";
                results.Add(new SendResult(code >= 500 ? SendOutcome.Permanent : SendOutcome.Transient, detail));
            }
            catch (Exception ex) when (IsSmtpFailure(ex))
            {
                results.Add(new SendResult(SendOutcome.Transient, ex.Message));
            }
        }
        if (client.IsConnected)
        {
            try { await client.DisconnectAsync(quit: true, ct); }
            catch (Exception ex) when (IsSmtpFailure(ex)) { logger.LogDebug(ex, "QUIT failed after sending"); }
        }
        return results;
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
    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<MimeMessage> messages, CancellationToken ct)
    {
        var dir = Path.GetFullPath(options.Value.FilePath);
        Directory.CreateDirectory(dir);
        var results = new List<SendResult>(messages.Count);
        foreach (var message in messages)
        {
            var name = $"{clock.GetUtcNow():yyyyMMdd-HHmmss}-{SafeName(message.MessageId)}.eml";
            var path = Path.Combine(dir, name);
            // Written aside, then renamed: whatever watches the folder sees whole messages only.
            var partial = Path.Combine(dir, $".{name}.partial");
            await message.WriteToAsync(partial, ct);
            File.Move(partial, path, overwrite: true);
            results.Add(new SendResult(SendOutcome.Sent, $"written to {path}"));
        }
        return results;
    }

    private static string SafeName(string? messageId) =>
        new((messageId ?? Guid.NewGuid().ToString("N")).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray());
}

/// <summary>Prints each message to standard output (Django's console backend).</summary>
public sealed class ConsoleMailSender : IMailSender
{
    public async Task<IReadOnlyList<SendResult>> SendAsync(IReadOnlyList<MimeMessage> messages, CancellationToken ct)
    {
        var stdout = Console.OpenStandardOutput();
        foreach (var message in messages)
        {
            await message.WriteToAsync(stdout, ct);
            await stdout.WriteAsync("\n-------------------------------------------------------------------------------\n"u8.ToArray(), ct);
        }
        await stdout.FlushAsync(ct);
        return [.. messages.Select(_ => new SendResult(SendOutcome.Sent, "printed to the console"))];
    }
}
