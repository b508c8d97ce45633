using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using Alerts.Core.Events;
using Microsoft.AspNetCore.DataProtection;

namespace Alerts.Core.MailActions;

/// <summary>What a link in an incident mail does, once its page's button is pressed.</summary>
public enum MailAction : byte
{
    Resolve = 1,
    Ignore = 2,
    /// <summary>No mail about the incident for 24 hours.</summary>
    Snooze = 3,
    /// <summary>A broken link's "Ignore URLs like this": an ignore rule for its path, and the incident ignored.</summary>
    IgnoreUrls = 4,
    /// <summary>RFC 8058 one-click List-Unsubscribe: no mail about the incident to its list for 7 days.</summary>
    Unsubscribe = 5,
}

/// <summary>The list a mail went to: errors go to ADMINS, broken links to MANAGERS.</summary>
public enum MailList : byte
{
    Admins = 1,
    Managers = 2,
}

/// <summary>What a valid token allows: one action on one incident, for the list its mail went to, until it expires.</summary>
public sealed record MailActionTicket(long IncidentId, MailAction Action, MailList List, DateTime ExpiresAt);

public enum MailTokenProblem
{
    None,
    /// <summary>Not made by this service's key ring: tampered with, cut short, or made up.</summary>
    Invalid,
    Expired,
}

/// <summary>
/// Signed, expiring tokens for the action links in mails, which work without a login. A token is the incident id, the
/// action, the list and the expiry, encrypted and authenticated (HMAC-SHA256) by ASP.NET Core data protection with the
/// key ring every node shares (<see cref="Data.KeyRing"/>): changing any byte makes it invalid, and only a holder of the
/// key ring can make one.
/// </summary>
public sealed class MailActionTokens(IDataProtectionProvider provider, TimeProvider clock)
{
    /// <summary>How long a mail's links work: long enough for a weekend's mail, short enough that an old mail is inert.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private const byte Version = 1;
    private const int PayloadLength = 1 + 8 + 1 + 1 + 8;

    private readonly IDataProtector _protector = provider.CreateProtector("Alerts.MailActions.v1");

    public static MailList ListFor(EventKind kind) => kind == EventKind.BrokenLink ? MailList.Managers : MailList.Admins;

    /// <summary>A URL-safe token (base64url) for this action, valid for <see cref="Lifetime"/> from now, and when it expires.</summary>
    public (string Token, DateTime ExpiresAt) Create(long incidentId, MailAction action, MailList list)
    {
        var expires = clock.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds();
        var payload = new byte[PayloadLength];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(1), incidentId);
        payload[9] = (byte)action;
        payload[10] = (byte)list;
        BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(11), expires);
        return (Base64Url.EncodeToString(_protector.Protect(payload)), DateTimeOffset.FromUnixTimeSeconds(expires).UtcDateTime);
    }

    /// <summary>The ticket a token carries, or why it is refused; an expired token is told apart from a forged one.</summary>
    public (MailActionTicket? Ticket, MailTokenProblem Problem) Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1000) return (null, MailTokenProblem.Invalid);
        byte[] payload;
        try
        {
            var bytes = Base64Url.DecodeFromChars(token);
            // One spelling per token: base64's spare low bits in the last character would let a changed link still work.
            if (!string.Equals(Base64Url.EncodeToString(bytes), token, StringComparison.Ordinal)) return (null, MailTokenProblem.Invalid);
            payload = _protector.Unprotect(bytes);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return (null, MailTokenProblem.Invalid);
        }
        if (payload.Length != PayloadLength || payload[0] != Version
            || !Enum.IsDefined((MailAction)payload[9]) || !Enum.IsDefined((MailList)payload[10]))
            return (null, MailTokenProblem.Invalid);
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(11))).UtcDateTime;
        var ticket = new MailActionTicket(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)), (MailAction)payload[9], (MailList)payload[10], expires);
        return clock.GetUtcNow().UtcDateTime >= expires ? (ticket, MailTokenProblem.Expired) : (ticket, MailTokenProblem.None);
    }
}
