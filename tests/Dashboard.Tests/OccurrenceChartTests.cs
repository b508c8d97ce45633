using Alerts.Dashboard.Charts;

namespace Alerts.Dashboard.Tests;

public sealed class OccurrenceChartTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 10, 25, 0, DateTimeKind.Utc);
    private static DateTime Hour(int h) => new(2026, 11, 23, h, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Buckets_Hourly_EndWithTheCurrentHourAndDropOlderCounts()
    {
        var buckets = OccurrenceChart.Buckets([(Hour(10), 3), (Hour(8), 2), (Hour(6), 9)], Now, 4, TimeSpan.FromHours(1));

        Assert.Equal([Hour(7), Hour(8), Hour(9), Hour(10)], buckets.Select(b => b.Start));
        Assert.Equal([0L, 2, 0, 3], buckets.Select(b => b.Count));
    }

    [Fact]
    public void Buckets_Daily_SumTheHoursOfEachUtcDay()
    {
        var yesterday = Hour(0).AddDays(-1);
        var buckets = OccurrenceChart.Buckets([(Hour(1), 1), (Hour(9), 4), (yesterday.AddHours(23), 2)], Now, 2, TimeSpan.FromDays(1));

        Assert.Equal([(yesterday, 2L), (Hour(0), 5L)], buckets);
    }

    public static TheoryData<long[], double[]> Heights => new()
    {
        { [0, 0, 0], [0, 0, 0] },             // nothing happened: no bar
        { [5, 10, 0], [10, 20, 0] },          // the largest fills the height
        { [1, 1000], [1, 20] },               // one occurrence still shows
    };

    [Theory]
    [MemberData(nameof(Heights))]
    public void Bars_ScaleToTheLargestValue(long[] counts, double[] heights)
    {
        var bars = OccurrenceChart.Bars([.. counts.Select((c, i) => (Hour(i), c))], 30, 20);

        Assert.Equal(heights, bars.Select(b => Math.Round(b.Height, 2)));
        Assert.All(bars, b => Assert.Equal(20, b.Y + b.Height, 6)); // bars stand on the baseline
    }

    [Fact]
    public void Bars_SplitTheWidthWithAGap()
    {
        var bars = OccurrenceChart.Bars([(Hour(0), 1), (Hour(1), 1)], 100, 10);

        Assert.Equal([3.75, 53.75], bars.Select(b => b.X));
        Assert.All(bars, b => Assert.Equal(42.5, b.Width));
        Assert.True(bars[0].X + bars[0].Width < bars[1].X);
    }

    [Fact]
    public void Num_IsInvariant() => Assert.Equal("7.5", OccurrenceChart.Num(7.5));
}
