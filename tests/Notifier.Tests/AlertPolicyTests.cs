using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Decide;

namespace Alerts.Notifier.Tests;

public class AlertPolicyTests
{
    private static readonly Recipient Ada = new() { Name = "Ada Admin", Email = "ada@example.com" };
    private static readonly Recipient Max = new() { Name = "Max Manager", Email = "max@example.com" };
    private static readonly DateTime Now = new(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);
    private static readonly AlertPolicyOptions Policy = new(); // milestones 10/100/1000/10000, cooldown 30 min, cap 10 per 30 min

    private static AlertContext Error(long before, long after, DateTime? lastMail = null, long lastCount = 0,
        IncidentStatus status = IncidentStatus.Open, int mailsInWindow = 0, Trigger trigger = Trigger.Occurrence,
        DateTime? snoozedUntil = null, long? snoozedUntilCount = null, Recipient[]? to = null) =>
        new(EventKind.Error, status, before, after, Now, to ?? [Ada], lastMail, lastCount, snoozedUntil, snoozedUntilCount, mailsInWindow, true, trigger);

    /// <summary>Situation → (context, recorded, mailed, reason contains, status afterwards).</summary>
    private static readonly Dictionary<string, (AlertContext Context, bool Record, bool Send, string Reason, IncidentStatus Status)> Cases = new()
    {
        ["first occurrence"] = (Error(0, 1), true, true, "first occurrence", IncidentStatus.Open),
        ["first occurrences arriving in one batch"] = (Error(0, 7), true, true, "first occurrence", IncidentStatus.Open),
        ["second occurrence a minute later"] = (Error(1, 2, Now.AddMinutes(-1), 1), false, false, "within cooldown", IncidentStatus.Open),
        ["milestone crossed inside the cooldown"] = (Error(9, 10, Now.AddMinutes(-5), 1), false, false, "within cooldown", IncidentStatus.Open),
        ["milestone crossed after the cooldown"] = (Error(9, 10, Now.AddMinutes(-31), 1), true, true, "reached 10 occurrences", IncidentStatus.Open),
        ["several milestones crossed: the highest is named"] = (Error(50, 1500, Now.AddHours(-2), 1), true, true, "reached 1000 occurrences", IncidentStatus.Open),
        ["more occurrences after the cooldown, no milestone"] = (Error(12, 13, Now.AddMinutes(-30), 10), true, true, "3 more occurrences since the last mail", IncidentStatus.Open),
        ["sweep after a flood went quiet"] = (Error(100_000, 100_000, Now.AddMinutes(-31), 100_000 - 5, trigger: Trigger.Sweep), true, true, "5 more occurrences", IncidentStatus.Open),
        ["sweep with nothing new"] = (Error(10, 10, Now.AddHours(-1), 10, trigger: Trigger.Sweep), false, false, "within cooldown", IncidentStatus.Open),
        ["regression of a resolved incident"] = (Error(40, 41, Now.AddMinutes(-1), 40, status: IncidentStatus.Resolved), true, true, "regression", IncidentStatus.Open),
        ["regression is exempt from the project cap"] = (Error(40, 41, Now.AddDays(-1), 40, status: IncidentStatus.Resolved, mailsInWindow: 50), true, true, "regression", IncidentStatus.Open),
        ["first occurrence over the project cap is held back"] = (Error(0, 1, mailsInWindow: 10), true, false, "project cap reached", IncidentStatus.Open),
        ["first occurrence just under the cap"] = (Error(0, 1, mailsInWindow: 9), true, true, "first occurrence", IncidentStatus.Open),
        ["ignored incident"] = (Error(5, 6, Now.AddDays(-1), 5, status: IncidentStatus.Ignored), false, false, "ignored", IncidentStatus.Ignored),
        ["snoozed for another hour"] = (Error(5, 60, Now.AddDays(-1), 5, status: IncidentStatus.Snoozed, snoozedUntil: Now.AddHours(1)), false, false, "snoozed", IncidentStatus.Snoozed),
        ["snooze time over"] = (Error(5, 60, Now.AddDays(-1), 5, status: IncidentStatus.Snoozed, snoozedUntil: Now.AddMinutes(-1)), true, true, "reached 10 occurrences", IncidentStatus.Open),
        ["snoozed until 100 occurrences, at 99"] = (Error(98, 99, Now.AddDays(-1), 5, status: IncidentStatus.Snoozed, snoozedUntilCount: 100), false, false, "snoozed", IncidentStatus.Snoozed),
        ["snoozed until 100 occurrences, at 100"] = (Error(99, 100, Now.AddDays(-1), 5, status: IncidentStatus.Snoozed, snoozedUntilCount: 100), true, true, "reached 100 occurrences", IncidentStatus.Open),
        ["first occurrence with no admins"] = (Error(0, 1, to: []), true, false, "no ADMINS configured", IncidentStatus.Open),
        ["first warning, below the mail level"] = (Error(0, 1) with { BelowMailLevel = true }, true, false, "first occurrence; below the mail level", IncidentStatus.Open),
        ["warning regression, below the mail level"] = (Error(40, 41, Now.AddDays(-1), 40, status: IncidentStatus.Resolved) with { BelowMailLevel = true }, true, false, "regression; below the mail level", IncidentStatus.Open),
        ["warning crossing a milestone, below the mail level"] = (Error(9, 10, Now.AddHours(-1), 1) with { BelowMailLevel = true }, true, false, "below the mail level", IncidentStatus.Open),
        ["broken link's first internal referrer, within the cooldown"] = (Error(5, 6, Now.AddMinutes(-1), 5) with { Kind = EventKind.BrokenLink, FirstInternalReferrer = true }, true, true, "first internal referrer", IncidentStatus.Open),
        ["broken link's later referrer, within the cooldown"] = (Error(5, 6, Now.AddMinutes(-1), 5) with { Kind = EventKind.BrokenLink }, false, false, "within cooldown", IncidentStatus.Open),
        ["ignored broken link's first internal referrer"] = (Error(5, 6, Now.AddMinutes(-1), 5, status: IncidentStatus.Ignored) with { Kind = EventKind.BrokenLink, FirstInternalReferrer = true }, false, false, "ignored", IncidentStatus.Ignored),
        ["ignored warning"] = (Error(5, 6, Now.AddDays(-1), 5, status: IncidentStatus.Ignored) with { BelowMailLevel = true }, false, false, "ignored", IncidentStatus.Ignored),
    };

    public static TheoryData<string> Situations => [.. Cases.Keys];

    /// <summary>Situation (of <see cref="Cases"/>) → the typed reason and hold the summaries, the digest and threading read.</summary>
    private static readonly Dictionary<string, (NotificationReason Cause, NotificationHold Hold)> TypedCases = new()
    {
        ["first occurrence"] = (NotificationReason.FirstOccurrence, NotificationHold.None),
        ["milestone crossed after the cooldown"] = (NotificationReason.Ladder, NotificationHold.None),
        ["more occurrences after the cooldown, no milestone"] = (NotificationReason.MoreSinceLastMail, NotificationHold.None),
        ["regression is exempt from the project cap"] = (NotificationReason.Regression, NotificationHold.None),
        ["first occurrence over the project cap is held back"] = (NotificationReason.FirstOccurrence, NotificationHold.ProjectCap),
        ["first occurrence with no admins"] = (NotificationReason.FirstOccurrence, NotificationHold.NoRecipients),
        ["first warning, below the mail level"] = (NotificationReason.FirstOccurrence, NotificationHold.BelowMailLevel),
        ["warning regression, below the mail level"] = (NotificationReason.Regression, NotificationHold.BelowMailLevel),
        ["broken link's first internal referrer, within the cooldown"] = (NotificationReason.FirstInternalReferrer, NotificationHold.None),
    };

    public static TheoryData<string> TypedSituations => [.. TypedCases.Keys];

    [Theory]
    [MemberData(nameof(TypedSituations))]
    public void Decide_Situation_RecordsItsTypedReasonBesideTheText(string situation)
    {
        var decision = AlertPolicy.Decide(Cases[situation].Context, Policy);

        Assert.Equal(TypedCases[situation], (decision.Cause, decision.Hold));
        Assert.Equal(NotificationText.For(decision.Cause, decision.Count, decision.Hold, decision.HoldFigures), decision.Reason);
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void Decide_Situation_MailsOnlyWhatMatters(string situation)
    {
        var (context, record, send, reason, status) = Cases[situation];

        var decision = AlertPolicy.Decide(context, Policy);

        Assert.Equal((record, send), (decision.Record, decision.Send));
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
        Assert.Equal(status, decision.Status);
    }

    [Fact]
    public void Decide_HeldBackByCap_KeepsRecipientsForTheStormSummary()
    {
        var decision = AlertPolicy.Decide(Error(0, 1, mailsInWindow: 10), Policy);

        Assert.True(decision.HeldBackByCap);
        Assert.Equal([Ada.Email], decision.Recipients.Select(r => r.Email));
    }

    [Theory]
    [InlineData(true, true, "first occurrence")]
    [InlineData(false, false, "SendBrokenLinkEmails")]
    public void Decide_FirstBrokenLink_FollowsSendBrokenLinkEmails(bool on, bool send, string reason)
    {
        var context = new AlertContext(EventKind.BrokenLink, IncidentStatus.Open, 0, 1, Now, [Max], BrokenLinkMailOn: on);

        var decision = AlertPolicy.Decide(context, Policy);

        Assert.True(decision.Record);
        Assert.Equal(send, decision.Send);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
    }

    private static AlertContext BrokenLink(long before, long after, DateTime? lastMail = null, long lastCount = 0, IncidentStatus status = IncidentStatus.Open,
        int mailsInWindow = 0, Trigger trigger = Trigger.Occurrence, Recipient[]? to = null) =>
        new(EventKind.BrokenLink, status, before, after, Now, to ?? [Max], lastMail, lastCount, null, null, mailsInWindow, true, trigger, BrokenLinkDigest: true);

    /// <summary>With Alerts:BrokenLinkDigestMinutes on: situation → (context, recorded, mailed, reason contains).</summary>
    private static readonly Dictionary<string, (AlertContext Context, bool Record, bool Send, string Reason)> DigestCases = new()
    {
        ["new broken link waits for the digest"] = (BrokenLink(0, 1), true, false, "first occurrence; in digest"),
        ["new broken link over the project cap still goes to the digest"] = (BrokenLink(0, 1, mailsInWindow: 50), true, false, "first occurrence; in digest"),
        ["broken link again after it was resolved"] = (BrokenLink(3, 4, Now.AddDays(-1), 3, status: IncidentStatus.Resolved), true, false, "regression; in digest"),
        ["milestone of a broken link"] = (BrokenLink(9, 10, Now.AddHours(-1), 1), true, false, "reached 10 occurrences; in digest"),
        ["second occurrence inside the cooldown"] = (BrokenLink(1, 2, Now.AddMinutes(-1), 1), false, false, "within cooldown"),
        ["no managers: nothing to digest"] = (BrokenLink(0, 1, to: []), true, false, "no MANAGERS configured"),
        ["errors are never digested"] = (Error(0, 1) with { BrokenLinkDigest = true }, true, true, "first occurrence"),
    };

    public static TheoryData<string> DigestSituations => [.. DigestCases.Keys];

    [Theory]
    [MemberData(nameof(DigestSituations))]
    public void Decide_BrokenLinkDigestOn_HoldsBrokenLinkMailsForTheDigest(string situation)
    {
        var (context, record, send, reason) = DigestCases[situation];

        var decision = AlertPolicy.Decide(context, Policy);

        Assert.Equal((record, send), (decision.Record, decision.Send));
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
        Assert.Equal(reason.EndsWith("in digest", StringComparison.Ordinal), decision.HeldForDigest);
        if (decision.HeldForDigest) Assert.Equal([Max.Email], decision.Recipients.Select(r => r.Email));
    }

    [Fact]
    public void Decide_FloodOfOneHundredThousand_MailsOnceThenOnlyAfterTheCooldown()
    {
        // Replays a flood the way the grouper sees it: batches of 500 in under a minute.
        DateTime? lastMail = null;
        long lastCount = 0, count = 0;
        var mails = 0;
        for (var batch = 0; batch < 200; batch++)
        {
            var at = Now.AddMilliseconds(batch * 250);
            var d = AlertPolicy.Decide(new AlertContext(EventKind.Error, IncidentStatus.Open, count, count + 500, at, [Ada], lastMail, lastCount), Policy);
            count += 500;
            if (d.Record) { lastMail = at; lastCount = count; }
            if (d.Send) mails++;
        }
        var later = AlertPolicy.Decide(new AlertContext(EventKind.Error, IncidentStatus.Open, count, count, Now.AddMinutes(31), [Ada], lastMail, lastCount, Trigger: Trigger.Sweep), Policy);

        Assert.Equal(1, mails);
        Assert.Equal(100_000, count);
        Assert.True(later.Send);
        Assert.Contains("reached 10000 occurrences", later.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, EventKind, long, string?, string[]> Routes => new()
    {
        { "errors go to the global admins", EventKind.Error, 1, "production", ["ada@example.com"] },
        { "broken links go to the global managers", EventKind.BrokenLink, 1, "production", ["max@example.com"] },
        { "a project's own admins replace the global ones", EventKind.Error, 2, "production", ["team2@example.com"] },
        { "a project without managers of its own inherits them", EventKind.BrokenLink, 2, null, ["max@example.com"] },
        { "staging mails the staging people, never production admins", EventKind.Error, 2, "staging", ["qa@example.com"] },
        { "an environment with an empty list mails nobody", EventKind.Error, 2, "dev", [] },
        { "environment names match case-insensitively", EventKind.Error, 2, "STAGING", ["qa@example.com"] },
        { "an unknown project falls back to the global list", EventKind.Error, 99, "staging", ["ada@example.com"] },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void Route_ProjectAndEnvironment_PickTheMostSpecificRecipients(string why, EventKind kind, long project, string? environment, string[] expected)
    {
        var settings = new AlertsOptions
        {
            Admins = [Ada],
            Managers = [Max],
            Projects =
            [
                new ProjectOptions { Id = 1, Name = "shop", Key = "k1" },
                new ProjectOptions
                {
                    Id = 2, Name = "api", Key = "k2",
                    Admins = [new Recipient { Email = "team2@example.com" }],
                    Environments = new(StringComparer.OrdinalIgnoreCase)
                    {
                        ["staging"] = new EnvironmentRouting { Admins = [new Recipient { Email = "qa@example.com" }] },
                        ["dev"] = new EnvironmentRouting { Admins = [] },
                    },
                },
            ],
        };

        var to = RecipientRouting.For(kind, project, environment, settings);

        Assert.True(expected.SequenceEqual(to.Select(r => r.Email)), why);
    }

    [Theory]
    [InlineData("the Dashboard's list replaces the project's configured one", 2, null, "dash@example.com")]
    [InlineData("the Dashboard's list replaces the global one", 1, null, "dash@example.com")]
    [InlineData("an environment in configuration still wins", 2, "staging", "qa@example.com")]
    public void Route_RecipientsSetInTheDashboard_ComeAfterTheEnvironmentOnly(string why, long project, string? environment, string expected)
    {
        var settings = new AlertsOptions
        {
            Admins = [Ada],
            Projects =
            [
                new ProjectOptions
                {
                    Id = 2, Name = "api", Key = "k2",
                    Admins = [new Recipient { Email = "team2@example.com" }],
                    Environments = new(StringComparer.OrdinalIgnoreCase) { ["staging"] = new EnvironmentRouting { Admins = [new Recipient { Email = "qa@example.com" }] } },
                },
            ],
        };
        var stored = new StoredRecipients([new Recipient { Email = "dash@example.com" }], null);

        var to = RecipientRouting.For(EventKind.Error, project, environment, settings, stored);

        Assert.True(to.Select(r => r.Email).SequenceEqual([expected]), why);
    }
}
