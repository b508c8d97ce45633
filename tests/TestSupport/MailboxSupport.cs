using System.Text;
using MimeKit;

namespace Alerts.TestSupport;

/// <summary>Code shared by the <see cref="IMailbox"/> implementations.</summary>
internal static class MailboxSupport
{
    public static ReceivedMail Parse(byte[] raw)
    {
        using var stream = new MemoryStream(raw, writable: false);
        var message = MimeMessage.Load(stream);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.Headers)
        {
            headers.TryAdd(header.Field, header.Value);
        }

        return new ReceivedMail(
            MessageId: message.MessageId ?? "",
            From: message.From.Mailboxes.FirstOrDefault()?.Address ?? "",
            To: [.. message.To.Mailboxes.Select(m => m.Address)],
            Subject: message.Subject ?? "",
            Text: message.TextBody,
            Html: message.HtmlBody,
            Headers: headers,
            Raw: Encoding.UTF8.GetString(raw));
    }

    public static async Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(
        IMailbox mailbox,
        string name,
        int atLeast,
        TimeSpan timeout,
        Func<ReceivedMail, bool>? filter)
    {
        IReadOnlyList<ReceivedMail> last = [];
        try
        {
            return await Wait.UntilAsync<IReadOnlyList<ReceivedMail>>(
                async () =>
                {
                    last = await mailbox.GetMailsAsync();
                    var matching = filter is null ? last : [.. last.Where(filter)];
                    return matching.Count >= atLeast ? matching : null;
                },
                timeout,
                $"{atLeast} mail(s){(filter is null ? "" : " matching the filter")} at {name}");
        }
        catch (TimeoutException ex)
        {
            var seen = last.Count == 0
                ? "no mail arrived"
                : $"{last.Count} mail(s) arrived: " + string.Join("; ", last.Select(m => $"'{m.Subject}' to {string.Join(", ", m.To)}"));
            throw new TimeoutException($"{ex.Message} ({seen})", ex);
        }
    }
}
