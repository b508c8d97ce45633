namespace Alerts.Core.Data;

/// <summary>
/// Where the database has one writer (SQLite), the hot writers of one process (the inbox, the grouper) take turns here
/// before they begin a write: a writer that meets another's lock polls with sleeps of up to 100 ms, far longer than
/// either write takes; queued here, the next one starts as soon as the last commits. Elsewhere every writer passes.
/// </summary>
public sealed class WriteGate(bool oneWriter)
{
    private readonly SemaphoreSlim? _gate = oneWriter ? new SemaphoreSlim(1, 1) : null;

    /// <summary>Waits for this process's turn to write; <see cref="TimeoutException"/> when it does not come in time.</summary>
    public async ValueTask<Turn> EnterAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        if (_gate is not null && !await _gate.WaitAsync(timeout, ct)) throw TimedOut(timeout);
        return new Turn(_gate);
    }

    /// <summary><see cref="EnterAsync"/> for a thread of its own, which may block.</summary>
    public Turn Enter(TimeSpan timeout)
    {
        if (_gate is not null && !_gate.Wait(timeout)) throw TimedOut(timeout);
        return new Turn(_gate);
    }

    private static TimeoutException TimedOut(TimeSpan timeout) =>
        new($"Another write held the database for more than {timeout.TotalSeconds:0} s.");

    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
