using Alerts.Core.Monitors;

namespace Alerts.Core.Tests;

public class UptimeRuleTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly UptimeTarget Site = new() { Url = "https://example.com/health" };
    private static readonly UptimeTarget WithKeyword = Site with { Keyword = "ok" };
    private static readonly UptimeTarget Only200 = Site with { StatusMin = 200, StatusMax = 200 };

    private static UptimeResponse Status(int status, bool? keyword = null, DateTime? notAfter = null) => new(status, keyword, notAfter, null, 0.1);

    public static TheoryData<string, UptimeTarget, UptimeResponse, bool, string?> Rows => new()
    {
        { "200 is up", Site, Status(200), true, null },
        { "399 is up by default", Site, Status(399), true, null },
        { "404 is down", Site, Status(404), false, "status 404, expected 200-399" },
        { "500 is down", Site, Status(500), false, "status 500, expected 200-399" },
        { "a redirect is down when only 200 counts", Only200, Status(301), false, "status 301, expected 200-200" },
        { "no response is down with its reason", Site, new UptimeResponse(null, null, null, "timed out after 10 s", 10), false, "timed out after 10 s" },
        { "keyword found is up", WithKeyword, Status(200, keyword: true), true, null },
        { "keyword missing is down", WithKeyword, Status(200, keyword: false), false, "keyword \"ok\" not found in the response" },
        { "the status decides before the keyword", WithKeyword, Status(503, keyword: false), false, "status 503, expected 200-399" },
        { "a certificate 30 days away is up", Site, Status(200, notAfter: Now.AddDays(30)), true, null },
        { "a certificate 5 days away is down", Site, Status(200, notAfter: Now.AddDays(5)), false, "certificate expires in 5 days" },
        { "4.5 days left say 5", Site, Status(200, notAfter: Now.AddDays(4.5)), false, "certificate expires in 5 days" },
        { "exactly the warning days is up", Site, Status(200, notAfter: Now.AddDays(14)), true, null },
        { "an expired certificate", Site, Status(200, notAfter: Now.AddHours(-1)), false, "certificate expired" },
        { "warning days 0 checks no expiry", Site with { CertificateWarningDays = 0 }, Status(200, notAfter: Now.AddDays(1)), true, null },
    };

    [Theory, MemberData(nameof(Rows))]
    public void Evaluate(string why, UptimeTarget target, UptimeResponse response, bool up, string? reason)
    {
        var verdict = UptimeRule.Evaluate(target, response, Now);
        Assert.True(verdict == new UptimeVerdict(up, reason), $"{why}: {verdict}");
    }

    /// <summary>Consecutive failures: the state machine's threshold (2 by default for uptime) opens one incident.</summary>
    [Theory]
    [InlineData(new[] { false }, 2, MonitorState.Late, 0)]
    [InlineData(new[] { false, false }, 2, MonitorState.Down, 1)]
    [InlineData(new[] { false, true, false }, 2, MonitorState.Late, 0)]
    [InlineData(new[] { false, false, false, false }, 2, MonitorState.Down, 1)]
    [InlineData(new[] { false, false, false }, 3, MonitorState.Down, 1)]
    [InlineData(new[] { false }, 1, MonitorState.Down, 1)]
    public void ConsecutiveFailures_OpenOneIncident(bool[] ups, int threshold, MonitorState final, int incidents)
    {
        var definition = new UptimeDefinition(Site, IntervalSeconds: 30, FailureIssueThreshold: threshold);
        var monitor = new CronMonitor { Slug = "site" };
        definition.CopyTo(monitor);
        var status = new MonitorStatus(MonitorState.Up, Now, null, 0, 1);
        var opened = 0;
        var at = Now;
        foreach (var u in ups)
        {
            var step = MonitorStateMachine.CheckIn(status, monitor.Rules(), u ? CheckInStatus.Ok : CheckInStatus.Error, at);
            if (step.Effect == MonitorEffect.OpenIncident) opened++;
            Assert.Equal(at.AddSeconds(30), step.Next.ExpectedAt); // the next check is one interval on
            status = step.Next;
            at = at.AddSeconds(30);
        }
        Assert.Equal(final, status.State);
        Assert.Equal(incidents, opened);
    }

    public static TheoryData<string, UptimeDefinition, string[]> Invalid => new()
    {
        { "ftp is refused", new(Site with { Url = "ftp://example.com/" }), ["url"] },
        { "a relative URL", new(Site with { Url = "/health" }), ["url"] },
        { "an interval under 30 s", new(Site, IntervalSeconds: 29), ["intervalSeconds"] },
        { "a timeout longer than the interval", new(Site with { TimeoutSeconds = 60 }, IntervalSeconds: 30), ["timeoutSeconds"] },
        { "an upside-down status range", new(Site with { StatusMin = 400, StatusMax = 200 }), ["expectedStatus"] },
        { "a keyword on HEAD", new(Site with { Method = UptimeMethod.Head, Keyword = "ok" }), ["keyword"] },
        { "valid", new(Site, IntervalSeconds: 30), [] },
    };

    [Theory, MemberData(nameof(Invalid))]
    public void Definition_IsValidated(string why, UptimeDefinition definition, string[] fields) =>
        Assert.True(fields.SequenceEqual(definition.Errors().Keys.Order()), why);

    [Theory]
    [InlineData("https://user:pw@example.com/x?a=1", "https://example.com/x?a=1")]
    [InlineData("https://example.com/x", "https://example.com/x")]
    public void Redact_StripsUserInfo(string url, string safe) => Assert.Equal(safe, UptimeTarget.Redact(url));

    [Theory]
    [InlineData("200-399", 200, 399)]
    [InlineData("200", 200, 200)]
    [InlineData(" 200 - 299 ", 200, 299)]
    public void ParseStatusRange(string text, int min, int max) => Assert.Equal((min, max), UptimeTarget.ParseStatusRange(text));

    [Theory]
    [InlineData("")]
    [InlineData("2xx")]
    [InlineData("-200")]
    public void ParseStatusRange_Rejects(string text) => Assert.Null(UptimeTarget.ParseStatusRange(text));
}
