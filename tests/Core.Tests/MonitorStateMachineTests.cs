using Alerts.Core.Monitors;
using Microsoft.Extensions.Time.Testing;

namespace Alerts.Core.Tests;

public class MonitorStateMachineTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly MonitorRules Hourly = new(MonitorSchedule.Every(TimeSpan.FromHours(1)), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), 1, 1);
    private static readonly MonitorRules TwoToFail = Hourly with { FailureThreshold = 2, RecoveryThreshold = 2 };

    private static MonitorStatus Up(DateTime? running = null) => new(MonitorState.Up, T0.AddHours(1), running, 0, 1);
    private static MonitorStatus Down(int failures = 1) => new(MonitorState.Down, T0.AddHours(1), null, failures, 0);

    public static TheoryData<string, MonitorStatus, MonitorRules, CheckInStatus, MonitorState, MonitorEffect> CheckIns => new()
    {
        { "first ok brings a new monitor up", new(MonitorState.New, null, null, 0, 0), Hourly, CheckInStatus.Ok, MonitorState.Up, MonitorEffect.None },
        { "a start keeps a new monitor new", new(MonitorState.New, null, null, 0, 0), Hourly, CheckInStatus.InProgress, MonitorState.New, MonitorEffect.None },
        { "a late monitor that starts is up", Up() with { State = MonitorState.Late }, Hourly, CheckInStatus.InProgress, MonitorState.Up, MonitorEffect.None },
        { "an error at threshold 1 opens the incident", Up(), Hourly, CheckInStatus.Error, MonitorState.Down, MonitorEffect.OpenIncident },
        { "an error below the threshold leaves it late", Up(), TwoToFail, CheckInStatus.Error, MonitorState.Late, MonitorEffect.None },
        { "the second error in a row opens it", Up() with { State = MonitorState.Late, Failures = 1 }, TwoToFail, CheckInStatus.Error, MonitorState.Down, MonitorEffect.OpenIncident },
        { "an error while down opens nothing more", Down(), Hourly, CheckInStatus.Error, MonitorState.Down, MonitorEffect.None },
        { "an ok while down recovers at threshold 1", Down(), Hourly, CheckInStatus.Ok, MonitorState.Up, MonitorEffect.Recover },
        { "one ok is not enough at recovery threshold 2", Down(), TwoToFail, CheckInStatus.Ok, MonitorState.Down, MonitorEffect.None },
        { "the second ok recovers at threshold 2", Down() with { Successes = 1 }, TwoToFail, CheckInStatus.Ok, MonitorState.Up, MonitorEffect.Recover },
        { "a start while down stays down", Down(), Hourly, CheckInStatus.InProgress, MonitorState.Down, MonitorEffect.None },
    };

    [Theory, MemberData(nameof(CheckIns))]
    public void CheckIn_MovesTheMonitor(string because, MonitorStatus before, MonitorRules rules, CheckInStatus status, MonitorState state, MonitorEffect effect)
    {
        var step = MonitorStateMachine.CheckIn(before, rules, status, T0);
        Assert.True(step.Next.State == state && step.Effect == effect, $"{because}: got {step.Next.State}, {step.Effect}");
        Assert.Equal(T0.AddHours(1), step.Next.ExpectedAt);
    }

    public static TheoryData<string, MonitorStatus, int, MonitorState, MonitorEffect, CheckInStatus?> Ticks => new()
    {
        { "before the expected time nothing happens", Up(), 59, MonitorState.Up, MonitorEffect.None, null },
        { "past the expected time, within the margin, it is late", Up(), 62, MonitorState.Late, MonitorEffect.None, null },
        { "past the margin the run was missed", Up(), 65, MonitorState.Down, MonitorEffect.OpenIncident, CheckInStatus.Missed },
        { "a new monitor with nothing expected waits", new(MonitorState.New, null, null, 0, 0), 600, MonitorState.New, MonitorEffect.None, null },
        { "a run in progress is not missed", Up(running: T0.AddMinutes(50)), 65, MonitorState.Up, MonitorEffect.None, null },
        { "a run past max runtime timed out", Up(running: T0.AddMinutes(50)), 80, MonitorState.Down, MonitorEffect.OpenIncident, CheckInStatus.TimedOut },
        { "a miss while down opens nothing more", Down(), 65, MonitorState.Down, MonitorEffect.None, CheckInStatus.Missed },
    };

    [Theory, MemberData(nameof(Ticks))]
    public void Tick_FindsLateMissedAndTimedOutRuns(string because, MonitorStatus before, int minutes, MonitorState state, MonitorEffect effect, CheckInStatus? found)
    {
        var step = MonitorStateMachine.Tick(before, Hourly, T0.AddMinutes(minutes));
        Assert.True(step.Next.State == state && step.Effect == effect && step.Found == found, $"{because}: got {step.Next.State}, {step.Effect}, {step.Found}");
    }

    [Fact]
    public void Tick_ALongOutageIsOneMiss_AndTheNextExpectationFollowsTheClock()
    {
        var first = MonitorStateMachine.Tick(Up(), Hourly, T0.AddHours(5));
        Assert.Equal(CheckInStatus.Missed, first.Found);
        Assert.Equal(T0.AddHours(6), first.Next.ExpectedAt);
        var again = MonitorStateMachine.Tick(first.Next, Hourly, T0.AddHours(5));
        Assert.False(again.Changed(first.Next));
    }

    [Fact]
    public void Crontab_InBerlin_AcrossTheSpringDstGap_ExpectsEachLocalRunOnce()
    {
        // 02:30 local does not exist on 29 March 2026 in Berlin; Cronos runs the job at 03:00 CEST (01:00 UTC) instead.
        var schedule = MonitorSchedule.TryCreate(ScheduleType.Crontab, "30 2 * * *", 0, "Europe/Berlin", out var error);
        Assert.Null(error);
        var rules = new MonitorRules(schedule!, TimeSpan.FromMinutes(10), null, 1, 1);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero)); // 02:30 CET, a run
        var status = MonitorStateMachine.CheckIn(new(MonitorState.New, null, null, 0, 0), rules, CheckInStatus.Ok, clock.GetUtcNow().UtcDateTime).Next;
        Assert.Equal(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc), status.ExpectedAt);

        // The clock runs through the night of the change a minute at a time: the job checks in on time, nothing is missed.
        var missed = 0;
        while (clock.GetUtcNow() < new DateTimeOffset(2026, 3, 31, 0, 0, 0, TimeSpan.Zero))
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            var now = clock.GetUtcNow().UtcDateTime;
            if (status.ExpectedAt is { } due && now == due.AddMinutes(2))
                status = MonitorStateMachine.CheckIn(status, rules, CheckInStatus.Ok, now).Next;
            var tick = MonitorStateMachine.Tick(status, rules, now);
            if (tick.Found == CheckInStatus.Missed) missed++;
            status = tick.Next;
        }
        Assert.Equal(0, missed);
        Assert.Equal(new DateTime(2026, 3, 31, 0, 30, 0, DateTimeKind.Utc), status.ExpectedAt); // 02:30 CEST
        Assert.Equal(MonitorState.Up, status.State);
    }

    [Fact]
    public void Crontab_InBerlin_AcrossTheAutumnChange_RunsTheRepeatedHourOnce_AndAMissIsFound()
    {
        var schedule = MonitorSchedule.TryCreate(ScheduleType.Crontab, "30 2 * * *", 0, "Europe/Berlin", out _)!;
        // 25 October 2026: 02:30 happens twice (CEST 00:30 UTC, CET 01:30 UTC); a daily job runs at the first.
        var next = schedule.Next(new DateTime(2026, 10, 24, 23, 0, 0, DateTimeKind.Utc));
        Assert.Equal(new DateTime(2026, 10, 25, 0, 30, 0, DateTimeKind.Utc), next);
        Assert.Equal(new DateTime(2026, 10, 26, 1, 30, 0, DateTimeKind.Utc), schedule.Next(next));

        var rules = new MonitorRules(schedule, TimeSpan.FromMinutes(10), null, 1, 1);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero));
        var status = new MonitorStatus(MonitorState.Up, next, null, 0, 1);
        var found = new List<DateTime>();
        for (var i = 0; i < 36 * 60; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            var step = MonitorStateMachine.Tick(status, rules, clock.GetUtcNow().UtcDateTime);
            if (step.Found == CheckInStatus.Missed) found.Add(clock.GetUtcNow().UtcDateTime);
            status = step.Next;
        }
        // The job never ran: one miss per expected run, each found at its margin's end.
        Assert.Equal([new DateTime(2026, 10, 25, 0, 40, 0, DateTimeKind.Utc), new DateTime(2026, 10, 26, 1, 40, 0, DateTimeKind.Utc)], found);
    }

    [Theory]
    [InlineData(ScheduleType.Crontab, "61 * * * *", 0, null)]
    [InlineData(ScheduleType.Crontab, "", 0, null)]
    [InlineData(ScheduleType.Crontab, "0 * * * *", 0, "Mars/Olympus")]
    [InlineData(ScheduleType.Interval, null, 0, null)]
    public void Schedule_Invalid_SaysWhy(ScheduleType type, string? crontab, long seconds, string? zone)
    {
        Assert.Null(MonitorSchedule.TryCreate(type, crontab, seconds, zone, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData(5, "minute", 300)]
    [InlineData(1, "day", 86400)]
    [InlineData(2, "hours", 7200)]
    public void IntervalUnits_AreSentrys(long value, string unit, long seconds) =>
        Assert.Equal(seconds, MonitorSchedule.IntervalSeconds(value, unit));
}
