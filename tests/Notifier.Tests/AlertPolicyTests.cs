using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Policy;

namespace Alerts.Notifier.Tests;

public class AlertPolicyTests
{
    private static readonly Recipient Ada = new() { Name = "Ada Admin", Email = "ada@example.com" };
    private static readonly Recipient Max = new() { Name = "Max Manager", Email = "max@example.com" };

    /// <summary>Situation → what the policy must answer: recorded, mailed, reason, to whom.</summary>
    private static readonly Dictionary<string, (AlertContext Context, AlertsOptions Settings, bool Record, bool Send, string Reason, Recipient[] To)> Cases = new()
    {
        ["first error"] = (
            new(EventKind.Error, IsFirstOccurrence: true, Count: 1), Settings(),
            true, true, "first occurrence", [Ada]),
        ["repeated error"] = (
            new(EventKind.Error, IsFirstOccurrence: false, Count: 2), Settings(),
            false, false, "repeat occurrence", []),
        ["first broken link"] = (
            new(EventKind.BrokenLink, IsFirstOccurrence: true, Count: 1), Settings(),
            true, true, "first occurrence", [Max]),
        ["repeated broken link"] = (
            new(EventKind.BrokenLink, IsFirstOccurrence: false, Count: 5), Settings(),
            false, false, "repeat occurrence", []),
        ["first broken link with SendBrokenLinkEmails off"] = (
            new(EventKind.BrokenLink, IsFirstOccurrence: true, Count: 1), Settings(sendBrokenLinks: false),
            true, false, "SendBrokenLinkEmails", []),
        ["first error with no admins"] = (
            new(EventKind.Error, IsFirstOccurrence: true, Count: 1), Settings(admins: []),
            true, false, "no ADMINS configured", []),
        ["first broken link with no managers"] = (
            new(EventKind.BrokenLink, IsFirstOccurrence: true, Count: 1), Settings(managers: []),
            true, false, "no MANAGERS configured", []),
        ["first error with SendBrokenLinkEmails off"] = (
            new(EventKind.Error, IsFirstOccurrence: true, Count: 1), Settings(sendBrokenLinks: false),
            true, true, "first occurrence", [Ada]),
    };

    public static TheoryData<string> Situations => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Situations))]
    public void Decide_Situation_RecordsSendsAndAddressesAsDjangoWould(string situation)
    {
        var (context, settings, record, send, reason, to) = Cases[situation];

        var decision = AlertPolicy.Decide(context, settings);

        Assert.Equal((record, send), (decision.Record, decision.Send));
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
        Assert.Equal(to.Select(r => r.Email), decision.Recipients.Select(r => r.Email));
    }

    private static AlertsOptions Settings(Recipient[]? admins = null, Recipient[]? managers = null, bool sendBrokenLinks = true) => new()
    {
        Admins = [.. admins ?? [Ada]],
        Managers = [.. managers ?? [Max]],
        SendBrokenLinkEmails = sendBrokenLinks,
    };
}
