using Alerts.Notifier.Delivery;

namespace Alerts.Notifier.Tests;

public class RetryScheduleTests
{
    [Theory]
    [InlineData(1, 30, 3600, 30)]
    [InlineData(2, 30, 3600, 60)]
    [InlineData(3, 30, 3600, 120)]
    [InlineData(7, 30, 3600, 1920)]
    [InlineData(8, 30, 3600, 3600)] // 3840 s capped
    [InlineData(12, 30, 3600, 3600)]
    [InlineData(1000, 30, 3600, 3600)] // no overflow for a mail that keeps failing
    [InlineData(0, 30, 3600, 30)]
    [InlineData(-3, 30, 3600, 30)]
    [InlineData(1, 90, 60, 60)] // a base above the cap never waits longer than the cap
    public void Delay_NthFailedAttempt_DoublesFromBaseUpToTheCap(int failedAttempts, int baseSeconds, int maxSeconds, int expectedSeconds)
    {
        var delay = RetrySchedule.Delay(failedAttempts, TimeSpan.FromSeconds(baseSeconds), TimeSpan.FromSeconds(maxSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }
}
