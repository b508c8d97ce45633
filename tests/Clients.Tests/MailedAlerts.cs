using System.Globalization;
using Alerts.TestSupport;

namespace Alerts.Clients.Tests;

/// <summary>An in-process Alerts that mails through a real SMTP server (MailDev), as the clients' users would see it.</summary>
internal sealed class MailedAlerts : IAsyncDisposable
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    private MailedAlerts(MailDevServer smtp, AlertsTestApp app) => (Smtp, App) = (smtp, app);

    public MailDevServer Smtp { get; }
    public AlertsTestApp App { get; }

    public static async Task<MailedAlerts> StartAsync()
    {
        var smtp = await MailDevServer.StartAsync();
        var app = await AlertsTestApp.StartAsync(new Dictionary<string, string>
        {
            ["Alerts:Email:Backend"] = "Smtp",
            ["Alerts:Email:Host"] = "127.0.0.1",
            ["Alerts:Email:Port"] = smtp.SmtpPort.ToString(CultureInfo.InvariantCulture),
        });
        return new MailedAlerts(smtp, app);
    }

    /// <summary>The first mail the SMTP server received that matches.</summary>
    public async Task<ReceivedMail> MailAsync(Func<ReceivedMail, bool> match, string what) =>
        (await Smtp.WaitForMailsAsync(1, MailTimeout, match)).First(match);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
