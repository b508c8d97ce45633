using Alerts.Core.Options;
using Alerts.Notifier.Decide;
using Alerts.Notifier.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Tests;

/// <summary>Configured keys and values compared with the options classes before binding: what the operator is told.</summary>
public class SettingsShapeTests
{
    private static readonly OptionsSection[] Sections =
    [
        new(AlertsOptions.SectionName, typeof(AlertsOptions)),
        new(EmailOptions.SectionName, typeof(EmailOptions)),
        new(AlertPolicyOptions.SectionName, typeof(AlertPolicyOptions)),
        new(RetentionOptions.SectionName, typeof(RetentionOptions)),
        new(DatabaseOptions.SectionName, typeof(DatabaseOptions)),
        new("Alerts:Dashboard:KeyRing", typeof(EmailOptions)), // a section two levels down, as the Dashboard's
    ];

    /// <summary>One configuration per row and the one message it gets; null: accepted.</summary>
    public static TheoryData<string, string, string, string?> Cases => new()
    {
        { "a known scalar", "Alerts:Email:Backend", "Console", null },
        { "an enum in another case", "Alerts:Email:Backend", "console", null },
        { "a typo in a scalar", "Alerts:Email:Backnd", "Console", "Alerts:Email:Backnd is not a setting; did you mean Alerts:Email:Backend?" },
        { "a typo in a list's name", "Alerts:Admin:0:Email", "a@example.com", "Alerts:Admin is not a setting; did you mean Alerts:Admins?" },
        { "a typo inside a list item", "Alerts:Admins:0:Emial", "a@example.com", "Alerts:Admins:0:Emial is not a setting; did you mean Alerts:Admins:0:Email?" },
        { "a list item as {Name, Email}", "Alerts:Admins:0:Email", "a@example.com", null },
        { "a list item as Django's string", "Alerts:Admins:0", "Ada <ada@example.com>", null },
        { "a list without an index", "Alerts:Admins:Email", "a@example.com", "Alerts:Admins:Email is not a setting: Alerts:Admins is a list, numbered from 0 (Alerts:Admins:0)." },
        { "a typo in a dictionary's value", "Alerts:Projects:0:Environments:staging:Admns:0", "a@example.com",
            "Alerts:Projects:0:Environments:staging:Admns is not a setting; did you mean Alerts:Projects:0:Environments:staging:Admins?" },
        { "a dictionary's own keys are free", "Alerts:Projects:0:Environments:any-name:Admins:0", "a@example.com", null },
        { "a list of numbers", "Alerts:Policy:Milestones:0", "5", null },
        { "a number that is not", "Alerts:Policy:Milestones:0", "five", "Alerts:Policy:Milestones:0 'five' is not a whole number." },
        { "a port that is not a number", "Alerts:Email:Port", "abc", "Alerts:Email:Port 'abc' is not a whole number." },
        { "an unknown enum value", "Alerts:Email:Backend", "Filee", "Alerts:Email:Backend 'Filee' must be one of Smtp, File, Console; did you mean File?" },
        { "a flag that is not", "Alerts:SendBrokenLinkEmails", "yes", "Alerts:SendBrokenLinkEmails 'yes' is not true or false." },
        { "an unknown section", "Alerts:Retention:Dayz", "3", "Alerts:Retention:Dayz is not a setting; did you mean Alerts:Retention:Days?" },
        { "a sub-section under a value", "Alerts:Email:Port:Number", "25", "Alerts:Email:Port:Number is not a setting: Alerts:Email:Port is a single value." },
        { "a path to a nested section", "Alerts:Dashboard:KeyRing:Host", "x", null },
        { "a typo on the way to a nested section", "Alerts:Dashbord:KeyRing:Host", "x", "Alerts:Dashbord is not a setting; did you mean Alerts:Dashboard?" },
        { "a typo in a nested section", "Alerts:Dashboard:KeyRng:Host", "x", "Alerts:Dashboard:KeyRng is not a setting; did you mean Alerts:Dashboard:KeyRing?" },
        { "a read-only property", "Alerts:ScannerNoise:EffectiveUserAgents:0", "x",
            "Alerts:ScannerNoise:EffectiveUserAgents is not a setting; did you mean Alerts:ScannerNoise:UserAgents?" },
        { "outside the sections", "Logging:LogLevel:Default", "Warning", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Check_NamesTheKeyAndTheNearestValidOne(string why, string key, string value, string? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        var errors = SettingsShape.Check(configuration, Sections);

        Assert.True(expected is null ? errors.Count == 0 : errors.SequenceEqual([expected]), $"{why}: {string.Join(" | ", errors)}");
    }

    [Theory]
    [InlineData("Backend", "backend", 0)]
    [InlineData("Backnd", "Backend", 1)]
    [InlineData("Admin", "Admins", 1)]
    [InlineData("", "Days", 4)]
    [InlineData("kitten", "sitting", 3)]
    public void EditDistance_CountsSingleCharacterEdits(string a, string b, int distance) =>
        Assert.Equal(distance, SettingsShape.EditDistance(a.ToUpperInvariant(), b.ToUpperInvariant()));

    [Fact]
    public void Admins_InDjangosShape_BindAsRecipients()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerts:Admins:0"] = "Ada Lovelace <ada@example.com>",
            ["Alerts:Admins:1"] = "bob@example.com",
            ["Alerts:Admins:2:Name"] = "Cy",
            ["Alerts:Admins:2:Email"] = "cy@example.com",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddAlertsOptions().BuildServiceProvider();

        var admins = services.GetRequiredService<IOptions<AlertsOptions>>().Value.Admins;

        Assert.Equal(["Ada Lovelace <ada@example.com>", "bob@example.com", "Cy <cy@example.com>"], admins.Select(a => a.ToString()));
    }

    [Theory]
    [InlineData(new string[0], true, new[] { "Alerts:Admins is empty", "Alerts:Managers is empty" })]
    [InlineData(new[] { "admins" }, true, new[] { "Alerts:Managers is empty" })]
    [InlineData(new[] { "admins" }, false, new string[0])]
    [InlineData(new[] { "admins", "managers" }, true, new string[0])]
    public void UnmailedWarnings_NameWhatIsMailedToNoOne(string[] configured, bool brokenLinkMail, string[] expected)
    {
        var options = new AlertsOptions
        {
            Admins = configured.Contains("admins") ? [new Recipient { Email = "a@example.com" }] : [],
            Managers = configured.Contains("managers") ? [new Recipient { Email = "m@example.com" }] : [],
            SendBrokenLinkEmails = brokenLinkMail,
        };

        var warnings = options.UnmailedWarnings().ToList();

        Assert.Equal(expected.Length, warnings.Count);
        Assert.All(expected.Zip(warnings), p => Assert.StartsWith(p.First, p.Second, StringComparison.Ordinal));
    }
}
