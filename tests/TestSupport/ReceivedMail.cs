namespace Alerts.TestSupport;

/// <summary>
/// A mail as a test SMTP server stored it. <see cref="From"/> and <see cref="To"/> are the addresses of
/// the From and To headers; <see cref="Headers"/> holds the top-level headers (case-insensitive names,
/// first occurrence wins, values unfolded and decoded); <see cref="Raw"/> is the stored message source.
/// </summary>
public sealed record ReceivedMail(
    string MessageId,
    string From,
    IReadOnlyList<string> To,
    string Subject,
    string? Text,
    string? Html,
    IReadOnlyDictionary<string, string> Headers,
    string Raw);

/// <summary>Read access to the mails a test SMTP server has received.</summary>
public interface IMailbox
{
    /// <summary>All mails received so far, in arrival order.</summary>
    Task<IReadOnlyList<ReceivedMail>> GetMailsAsync();

    /// <summary>
    /// Polls until at least <paramref name="atLeast"/> mails (matching <paramref name="filter"/>, when
    /// given) have arrived and returns all matching mails; throws <see cref="TimeoutException"/> otherwise.
    /// </summary>
    Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(int atLeast, TimeSpan timeout, Func<ReceivedMail, bool>? filter = null);
}
