using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>Mail through servers that demand STARTTLS, implicit TLS and AUTH.</summary>
public sealed class SmtpSecurityTests(ITestOutputHelper output)
{
    private const string User = "alerts";
    private const string Password = "s3cret-pass";

    [Fact]
    public async Task StartTls_RequiredByServer_ErrorMailArrives()
    {
        await using var aiosmtpd = await AiosmtpdServer.StartAsync(startTls: true, requireStartTls: true);
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(aiosmtpd.Port).With(
            ("Alerts__Email__UseTls", "true"),
            ("Alerts__Email__TrustedServerCertFile", TestCertificates.CertPath));
        await alerts.StartServeAsync(env);

        await alerts.Client.PostEventAsync(SampleEvents.Error());

        var mail = Assert.Single(await aiosmtpd.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        Assert.StartsWith(E2eSettings.Prefix, mail.Subject, StringComparison.Ordinal);
        Assert.Contains("ZeroDivisionError", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(E2eSettings.Admins.Order(), mail.To.Order());
    }

    [Fact]
    public async Task SendTestEmail_ImplicitTlsWithAuth_ArrivesAndWrongPasswordFailsPlainly()
    {
        await using var mailDev = await MailDevServer.StartAsync(implicitTls: true, user: User, password: Password);
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(mailDev.SmtpPort).With(
            ("Alerts__Email__UseSsl", "true"),
            ("Alerts__Email__TrustedServerCertFile", TestCertificates.CertPath),
            ("Alerts__Email__HostUser", User),
            ("Alerts__Email__HostPassword", Password));

        var sent = await alerts.RunAsync(env, "sendtestemail", "--admins");

        Assert.True(sent.ExitCode == 0, $"sendtestemail failed: {sent}");
        var mail = Assert.Single(await mailDev.WaitForMailsAsync(1, Mailboxes.MailTimeout));
        Assert.StartsWith($"{E2eSettings.Prefix}Test email from", mail.Subject, StringComparison.Ordinal);
        Assert.Equal(E2eSettings.Admins.Order(), mail.To.Order());

        var refused = await alerts.RunAsync(env.With(("Alerts__Email__HostPassword", "wrong-password")), "sendtestemail", "--admins");

        Assert.True(refused.ExitCode != 0, $"sendtestemail with a wrong password exited 0: {refused}");
        Assert.Contains("Could not send to ADMINS", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("log in", refused.StandardError, StringComparison.Ordinal);
        Assert.Single(await mailDev.GetMailsAsync());
    }
}
