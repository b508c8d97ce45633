namespace Alerts.Notifier.Delivery;

public static class RetrySchedule
{
    /// <summary>Exponential backoff: base, 2×base, 4×base … capped at max, for the n-th failed attempt (1-based).</summary>
    public static TimeSpan Delay(int failedAttempts, TimeSpan baseDelay, TimeSpan max)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var seconds = baseDelay.TotalSeconds * Math.Pow(2, exponent);
        return seconds >= max.TotalSeconds ? max : TimeSpan.FromSeconds(seconds);
    }
}
