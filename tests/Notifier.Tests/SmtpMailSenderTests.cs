using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Notifier.Tests;

/// <summary>SmtpMailSender against real SMTP servers started for each test (MailDev, aiosmtpd).</summary>
public class SmtpMailSenderTests
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(15);
    private static readonly AlertsOptions Settings = new() { ServerEmail = "alerts@shop.example.com", EmailSubjectPrefix = "[Alerts] " };

    [Fact]
    public async Task SendAsync_PlainMailDev_DeliversEveryMessageOfTheBatch()
    {
        await using var server = await MailDevServer.StartAsync();
        var sender = Sender(new EmailOptions { Host = "127.0.0.1", Port = server.SmtpPort });

        var results = await sender.SendAsync(
            [Message("ERROR: Internal Server Error: /orders/17", "Traceback ...", "ada@example.com"),
             Message("Broken link on shop.example.com", "Referrer: https://shop.example.com/", "max@example.com")],
            CancellationToken.None).ToListAsync();

        Assert.All(results, r => Assert.Equal(SendOutcome.Sent, r.Outcome));
        var mails = await server.WaitForMailsAsync(2, MailTimeout);
        var error = Assert.Single(mails, m => m.Subject == "[Alerts] ERROR: Internal Server Error: /orders/17");
        Assert.Equal("alerts@shop.example.com", error.From);
        Assert.Equal(["ada@example.com"], error.To);
        Assert.Contains("Traceback ...", error.Text, StringComparison.Ordinal);
        var brokenLink = Assert.Single(mails, m => m.Subject == "[Alerts] Broken link on shop.example.com");
        Assert.Equal(["max@example.com"], brokenLink.To);
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithRightLogin_Delivers()
    {
        await using var server = await MailDevServer.StartAsync(implicitTls: true, user: "alerts", password: "s3cret");
        var sender = Sender(new EmailOptions
        {
            Host = "127.0.0.1",
            Port = server.SmtpPort,
            UseSsl = true,
            HostUser = "alerts",
            HostPassword = "s3cret",
            TrustedServerCertFile = TestCertificates.CertPath,
        });

        var result = Assert.Single(await sender.SendAsync([Message("TLS check", "over implicit TLS", "ada@example.com")], CancellationToken.None).ToListAsync());

        Assert.Equal(SendOutcome.Sent, result.Outcome);
        var mail = Assert.Single(await server.WaitForMailsAsync(1, MailTimeout));
        Assert.Equal("[Alerts] TLS check", mail.Subject);
        Assert.Equal(["ada@example.com"], mail.To);
        Assert.Contains("over implicit TLS", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WrongPassword_IsTransientAndDeliversNothing()
    {
        await using var server = await MailDevServer.StartAsync(implicitTls: true, user: "alerts", password: "s3cret");
        var sender = Sender(new EmailOptions
        {
            Host = "127.0.0.1",
            Port = server.SmtpPort,
            UseSsl = true,
            HostUser = "alerts",
            HostPassword = "wrong",
            TrustedServerCertFile = TestCertificates.CertPath,
        });

        var results = await sender.SendAsync(
            [Message("one", "1", "ada@example.com"), Message("two", "2", "ada@example.com")], CancellationToken.None).ToListAsync();

        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(SendOutcome.Transient, r.Outcome);
            Assert.Contains($"Could not log in to 127.0.0.1:{server.SmtpPort}", r.Detail, StringComparison.Ordinal);
        });
        // The sender returned without ever issuing MAIL FROM, so nothing can still be on its way.
        Assert.Empty(await server.GetMailsAsync());
    }

    [Fact]
    public async Task SendAsync_UseTlsOnServerRequiringStartTls_UpgradesAndDelivers()
    {
        await using var server = await AiosmtpdServer.StartAsync(startTls: true, requireStartTls: true);
        var sender = Sender(new EmailOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            UseTls = true,
            TrustedServerCertFile = TestCertificates.CertPath,
        });

        var result = Assert.Single(await sender.SendAsync([Message("STARTTLS check", "upgraded", "ada@example.com")], CancellationToken.None).ToListAsync());

        Assert.Equal(SendOutcome.Sent, result.Outcome);
        var mail = Assert.Single(await server.WaitForMailsAsync(1, MailTimeout));
        Assert.Equal("[Alerts] STARTTLS check", mail.Subject);
        Assert.Equal("alerts@shop.example.com", mail.From);
        Assert.Equal(["ada@example.com"], mail.To);
        Assert.Contains("upgraded", mail.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_PlainClientOnServerRequiringStartTls_IsRefusedAndDeliversNothing()
    {
        // The counterpart of the test above: without UseTls the sender must not upgrade on its own, so aiosmtpd refuses.
        await using var server = await AiosmtpdServer.StartAsync(startTls: true, requireStartTls: true);
        var sender = Sender(new EmailOptions { Host = "127.0.0.1", Port = server.Port });

        var result = Assert.Single(await sender.SendAsync([Message("plain", "not upgraded", "ada@example.com")], CancellationToken.None).ToListAsync());

        Assert.NotEqual(SendOutcome.Sent, result.Outcome);
        Assert.Contains("STARTTLS", result.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await server.GetMailsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_SelfSignedServerNotTrusted_IsTransientAndDeliversNothing(bool implicitTls)
    {
        await using var server = await AiosmtpdServer.StartAsync(startTls: !implicitTls, implicitTls: implicitTls);
        var sender = Sender(new EmailOptions { Host = "127.0.0.1", Port = server.Port, UseTls = !implicitTls, UseSsl = implicitTls });

        var result = Assert.Single(await sender.SendAsync([Message("untrusted", "x", "ada@example.com")], CancellationToken.None).ToListAsync());

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Contains($"127.0.0.1:{server.Port}", result.Detail, StringComparison.Ordinal);
        Assert.Empty(await server.GetMailsAsync());
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsToTrustedAiosmtpd_Delivers()
    {
        await using var server = await AiosmtpdServer.StartAsync(implicitTls: true);
        var sender = Sender(new EmailOptions
        {
            Host = "127.0.0.1",
            Port = server.Port,
            UseSsl = true,
            TrustedServerCertFile = TestCertificates.CertPath,
        });

        var result = Assert.Single(await sender.SendAsync([Message("SMTPS check", "implicit", "ada@example.com")], CancellationToken.None).ToListAsync());

        Assert.Equal(SendOutcome.Sent, result.Outcome);
        Assert.Equal("[Alerts] SMTPS check", Assert.Single(await server.WaitForMailsAsync(1, MailTimeout)).Subject);
    }

    [Fact]
    public async Task SendAsync_ServerDown_EveryMessageIsTransientCouldNotConnect()
    {
        var port = FreePort.Next();
        var sender = Sender(new EmailOptions { Host = "127.0.0.1", Port = port, TimeoutSeconds = 5 });

        var results = await sender.SendAsync(
            [Message("one", "1", "ada@example.com"), Message("two", "2", "max@example.com")], CancellationToken.None).ToListAsync();

        Assert.Equal(2, results.Count);
        Assert.All(results, r =>
        {
            Assert.Equal(SendOutcome.Transient, r.Outcome);
            Assert.StartsWith($"Could not connect to 127.0.0.1:{port}", r.Detail, StringComparison.Ordinal);
        });
    }

    private static SmtpMailSender Sender(EmailOptions options) =>
        new(Options.Create(options), NullLogger<SmtpMailSender>.Instance);

    private static MimeMessage Message(string subject, string body, string to) =>
        AlertMessageFactory.CreatePlain(subject, body, [MailboxAddress.Parse(to)], Settings);
}
