using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

internal static class Mailboxes
{
    public static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Posts an unrelated error and waits for its mail, then returns every other mail received. Mails go out
    /// in the order their events were grouped, so once this one has arrived, any mail the earlier posts were
    /// going to cause has arrived too: "exactly one mail" can be asserted without sleeping.
    /// </summary>
    public static async Task<IReadOnlyList<ReceivedMail>> MailsBeforeSentinelAsync(this IMailbox mailbox, HttpClient alerts)
    {
        const string sentinel = "SentinelError";
        await alerts.PostEventAsync(SampleEvents.Error(type: sentinel, value: "posted last", path: "/sentinel"));
        await mailbox.WaitForMailsAsync(1, MailTimeout, m => IsAbout(m, sentinel));
        return [.. (await mailbox.GetMailsAsync()).Where(m => !IsAbout(m, sentinel))];
    }

    private static bool IsAbout(ReceivedMail mail, string exceptionType) =>
        mail.Subject.Contains(exceptionType, StringComparison.Ordinal);
}
