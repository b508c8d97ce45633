using Alerts.Core.Options;

namespace Alerts.Core.Tests;

public class EventLevelsTests
{
    /// <summary>Event level, Alerts:MailLevel → mailed? As Django's AdminEmailHandler(level=...) passes records.</summary>
    public static TheoryData<string?, string, bool> Cases => new()
    {
        { "error", "error", true },
        { "fatal", "error", true },
        { "critical", "error", true },
        { "warning", "error", false },
        { "info", "error", false },
        { "debug", "error", false },
        { null, "error", true },          // Sentry reads a missing level as error
        { "nonsense", "error", true },    // an unknown word is not a reason to stay silent
        { "warning", "warning", true },
        { "info", "warning", false },
        { "ERROR", "fatal", false },
        { "Fatal", "FATAL", true },
        { "debug", "debug", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reaches_LevelAgainstMailLevel_IsAdminEmailHandlersThreshold(string? level, string mailLevel, bool mailed) =>
        Assert.Equal(mailed, EventLevels.Reaches(level, mailLevel));

    [Theory]
    [InlineData("error", true)]
    [InlineData("warn", false)]
    [InlineData("", false)]
    public void IsKnown_NamesOnlySentrysLevels(string level, bool known) => Assert.Equal(known, EventLevels.IsKnown(level));
}
