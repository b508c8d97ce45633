namespace Alerts.Core.Monitors;

/// <summary>new → up → late → down (missed, failed, timed out) → up.</summary>
public enum MonitorState { New = 0, Up = 1, Late = 2, Down = 3 }

/// <summary>A run's outcome as a check-in reports it, or as the due-check finds it (missed, timed out).</summary>
public enum CheckInStatus { InProgress = 0, Ok = 1, Error = 2, Missed = 3, TimedOut = 4 }

/// <summary>What a step asks of the world beyond the monitor's row.</summary>
public enum MonitorEffect { None = 0, OpenIncident = 1, Recover = 2 }

/// <summary>A monitor's moving parts: its state, when the next run is due, the run in progress, and the streaks the thresholds count.</summary>
public sealed record MonitorStatus(MonitorState State, DateTime? ExpectedAt, DateTime? RunningSince, int Failures, int Successes);

/// <summary>A monitor's settings the state machine reads.</summary>
public sealed record MonitorRules(MonitorSchedule Schedule, TimeSpan Margin, TimeSpan? MaxRuntime, int FailureThreshold, int RecoveryThreshold);

/// <summary>
/// One step: the status after it, the effect, and the failure the due-check found (<see cref="CheckInStatus.Missed"/> or
/// <see cref="CheckInStatus.TimedOut"/>), recorded as a run like any check-in; null when it found none.
/// </summary>
public sealed record MonitorStep(MonitorStatus Next, MonitorEffect Effect, CheckInStatus? Found = null)
{
    public bool Changed(MonitorStatus before) => Next != before || Effect != MonitorEffect.None || Found is not null;
}

/// <summary>
/// The monitor's rules as a pure function of its status and one input (a check-in, or the clock), so every case is a
/// row in a table: no I/O, time passed in.
/// </summary>
public static class MonitorStateMachine
{
    public static MonitorStep CheckIn(MonitorStatus s, MonitorRules r, CheckInStatus status, DateTime at) => status switch
    {
        // A start satisfies the schedule; the run's end (or max runtime) decides its outcome.
        CheckInStatus.InProgress => new(s with
        {
            State = s.State == MonitorState.Late ? MonitorState.Up : s.State,
            ExpectedAt = r.Schedule.Next(at),
            RunningSince = at,
        }, MonitorEffect.None),
        CheckInStatus.Ok => Succeeded(s with { ExpectedAt = r.Schedule.Next(at), RunningSince = null }, r),
        _ => Failed(s with { ExpectedAt = r.Schedule.Next(at), RunningSince = null }, r, found: null),
    };

    /// <summary>What the clock says at <paramref name="now"/>: a run past its max runtime timed out; a run past its margin was missed.</summary>
    public static MonitorStep Tick(MonitorStatus s, MonitorRules r, DateTime now)
    {
        if (s.RunningSince is { } started && r.MaxRuntime is { } max && now >= started + max)
            return Failed(s with { RunningSince = null }, r, CheckInStatus.TimedOut);
        if (s.RunningSince is null && s.ExpectedAt is { } expected)
        {
            // One miss per expected run: the next expectation is the schedule's first after now, so a long outage is one miss.
            if (now >= expected + r.Margin)
                return Failed(s with { ExpectedAt = r.Schedule.Next(now) }, r, CheckInStatus.Missed);
            if (now >= expected && s.State == MonitorState.Up)
                return new(s with { State = MonitorState.Late }, MonitorEffect.None);
        }
        return new(s, MonitorEffect.None);
    }

    private static MonitorStep Succeeded(MonitorStatus s, MonitorRules r)
    {
        var successes = s.Successes + 1;
        if (s.State != MonitorState.Down)
            return new(s with { State = MonitorState.Up, Failures = 0, Successes = successes }, MonitorEffect.None);
        // Down stays down until recovery_threshold runs in a row succeed.
        return successes >= r.RecoveryThreshold
            ? new(s with { State = MonitorState.Up, Failures = 0, Successes = successes }, MonitorEffect.Recover)
            : new(s with { Successes = successes }, MonitorEffect.None);
    }

    private static MonitorStep Failed(MonitorStatus s, MonitorRules r, CheckInStatus? found)
    {
        var failures = s.Failures + 1;
        if (s.State == MonitorState.Down)
            return new(s with { Failures = failures, Successes = 0 }, MonitorEffect.None, found);
        // failure_issue_threshold failures in a row open the incident; fewer leave the monitor late.
        return failures >= r.FailureThreshold
            ? new(s with { State = MonitorState.Down, Failures = failures, Successes = 0 }, MonitorEffect.OpenIncident, found)
            : new(s with { State = MonitorState.Late, Failures = failures, Successes = 0 }, MonitorEffect.None, found);
    }
}
