using System.Diagnostics;

namespace Alerts.TestSupport;

/// <summary>
/// Polls a condition until it holds or a timeout passes: the way tests synchronise with
/// other processes (never a bare sleep). Exceptions thrown by a probe propagate at once;
/// a probe that means "not yet" returns null / false.
/// </summary>
public static class Wait
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns the first non-null value of a probe that yields a nullable value type.</summary>
    public static async Task<T> UntilValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : struct =>
        (T)await UntilAsync<object>(async () => await probe(), timeout, what);

    /// <summary>Returns the first non-null result of <paramref name="probe"/>.</summary>
    /// <exception cref="TimeoutException">No non-null result within <paramref name="timeout"/>.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            T? result;
            try
            {
                result = await probe().WaitAsync(remaining);
            }
            catch (TimeoutException) when (clock.Elapsed >= timeout)
            {
                break;
            }

            if (result is not null)
            {
                return result;
            }

            remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(interval < remaining ? interval : remaining);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}");
    }

    /// <summary>Waits until <paramref name="probe"/> returns true.</summary>
    /// <exception cref="TimeoutException">The probe did not return true within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> probe, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return UntilAsync<object>(async () => await probe() ? true : null, timeout, what);
    }
}
