using Alerts.Core.Data;

namespace Alerts.Core.Tests;

public class DatabaseMigratorTests
{
    private static readonly string[] Known = ["20261123201555_Initial", "20261123210347_BrokenLinkReferrersAndIgnoreRules"];

    public static TheoryData<string[], string[]> Cases => new()
    {
        { [], [] }, // a new database
        { ["20261123201555_Initial"], [] }, // older: migrate brings it up to date
        { Known, [] }, // up to date
        { [.. Known, "29990101000000_Later", "29990102000000_EvenLater"], ["29990101000000_Later", "29990102000000_EvenLater"] }, // newer
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnknownMigrations_AreTheAppliedOnesTheCodeLacks_InTheirOrder(string[] applied, string[] unknown) =>
        Assert.Equal(unknown, DatabaseMigrator.UnknownMigrations(applied, Known));
}
