using System.Globalization;
using System.Text.Json;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>The SMTP envelope (RCPT TO) MailDev recorded: who the mail really went to, whatever its To header says.</summary>
internal static class MailDevEnvelope
{
    public static async Task<IReadOnlyList<string>> RecipientsAsync(MailDevServer mailDev, string messageId)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri($"http://127.0.0.1:{mailDev.WebPort.ToString(CultureInfo.InvariantCulture)}/api/email");
        using var listing = JsonDocument.Parse(await http.GetStringAsync(url));
        var email = listing.RootElement.EnumerateArray().Single(e =>
            e.GetProperty("headers").TryGetProperty("message-id", out var id) && id.GetString()?.Trim('<', '>') == messageId);
        return [.. email.GetProperty("envelope").GetProperty("to").EnumerateArray().Select(to => to.GetProperty("address").GetString()!)];
    }
}
