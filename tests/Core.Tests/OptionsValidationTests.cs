using Alerts.Core.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Tests;

public class OptionsValidationTests
{
    private const string GoodKey = "0123456789abcdef0123";

    /// <summary>One bad setting per row, and the configuration keys its message must name.</summary>
    private static readonly Dictionary<string, (Func<IEnumerable<string>> Validate, string[] Keys)> BadConfigurations = new()
    {
        ["bad admin email"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Admins = [new Recipient { Name = "Ada", Email = "ada-at-example.com" }] }),
            ["Alerts:Admins:0:Email"]),
        ["bad second manager email"] = (
            () => AlertsOptions.Validate(new AlertsOptions
            {
                Managers = [new Recipient { Email = "max@example.com" }, new Recipient { Email = "" }],
            }),
            ["Alerts:Managers:1:Email"]),
        ["line break in an admin name"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Admins = [new Recipient { Name = "Ada\r\nBcc: x@evil.test", Email = "ada@example.com" }] }),
            ["Alerts:Admins:0:Name"]),
        ["bad server email"] = (() => AlertsOptions.Validate(new AlertsOptions { ServerEmail = "alerts" }), ["Alerts:ServerEmail"]),
        ["line break in the subject prefix"] = (
            () => AlertsOptions.Validate(new AlertsOptions { EmailSubjectPrefix = "[Alerts]\n" }),
            ["Alerts:EmailSubjectPrefix"]),
        ["invalid Ignorable404Urls regex"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Ignorable404Urls = [@"\.php$", "^/wp-(admin"] }),
            ["Alerts:Ignorable404Urls:1"]),
        ["invalid project Ignorable404Urls regex"] = (
            () => AlertsOptions.Validate(new AlertsOptions
            {
                Projects = [Project(1, "shop", GoodKey), new ProjectOptions { Id = 2, Name = "blog", Key = GoodKey + "x", Ignorable404Urls = ["^/ok$", "[unclosed"] }],
            }),
            ["Alerts:Projects:1:Ignorable404Urls:1"]),
        ["invalid scanner user agent regex"] = (
            () => AlertsOptions.Validate(new AlertsOptions { ScannerNoise = new ScannerNoiseOptions { UserAgents = ["sqlmap", "(?<nikto"] } }),
            ["Alerts:ScannerNoise:UserAgents:1"]),
        ["invalid probe path regex"] = (
            () => AlertsOptions.Validate(new AlertsOptions { ScannerNoise = new ScannerNoiseOptions { ProbeUrls = ["*.php"] } }),
            ["Alerts:ScannerNoise:ProbeUrls:0"]),
        ["negative digest interval"] = (
            () => AlertsOptions.Validate(new AlertsOptions { BrokenLinkDigestMinutes = -5 }),
            ["Alerts:BrokenLinkDigestMinutes"]),
        ["digest interval over a day"] = (
            () => AlertsOptions.Validate(new AlertsOptions { BrokenLinkDigestMinutes = 1441 }),
            ["Alerts:BrokenLinkDigestMinutes"]),
        ["relative dashboard URL"] = (() => AlertsOptions.Validate(new AlertsOptions { DashboardUrl = "alerts/" }), ["Alerts:DashboardUrl"]),
        ["relative base URL"] = (() => AlertsOptions.Validate(new AlertsOptions { BaseUrl = "alerts.example.com" }), ["Alerts:BaseUrl"]),
        ["base URL not http(s)"] = (() => AlertsOptions.Validate(new AlertsOptions { BaseUrl = "javascript:alert(1)" }), ["Alerts:BaseUrl"]),
        ["base URL with a query"] = (() => AlertsOptions.Validate(new AlertsOptions { BaseUrl = "https://alerts.example.com/?x=1" }), ["Alerts:BaseUrl"]),
        ["project Id 0"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(0, "shop", GoodKey)] }),
            ["Alerts:Projects:0:Id"]),
        ["duplicate project ids"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(1, "shop", GoodKey), Project(1, "blog", GoodKey + "x")] }),
            ["Alerts:Projects:1:Id"]),
        ["project without a name"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(1, "", GoodKey)] }),
            ["Alerts:Projects:0:Name"]),
        ["short project key"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(1, "shop", "short")] }),
            ["Alerts:Projects:0:Key"]),
        ["project key with a space"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(1, "shop", "0123456789 abcdef")] }),
            ["Alerts:Projects:0:Key"]),
        ["duplicate project key"] = (
            () => AlertsOptions.Validate(new AlertsOptions { Projects = [Project(1, "shop", GoodKey), Project(2, "blog", GoodKey)] }),
            ["Alerts:Projects:1:Key"]),
        ["unknown database provider"] = (
            () => DatabaseOptions.Validate(new DatabaseOptions { Provider = (DatabaseProvider)9, ConnectionString = DatabaseOptions.DefaultSqlite }),
            ["Alerts:Database:Provider"]),
        ["empty connection string"] = (
            () => DatabaseOptions.Validate(new DatabaseOptions { Provider = DatabaseProvider.Postgres }),
            ["ConnectionStrings:Alerts"]),
        ["RabbitMq transport without an amqp URI"] = (
            () => MessagingOptions.Validate(new MessagingOptions { Transport = MessagingTransport.RabbitMq }),
            ["ConnectionStrings:RabbitMq", "Alerts:Messaging:Transport"]),
        ["RabbitMq transport with an http URI"] = (
            () => MessagingOptions.Validate(new MessagingOptions { Transport = MessagingTransport.RabbitMq, RabbitMqUri = "http://rabbit:15672/" }),
            ["ConnectionStrings:RabbitMq"]),
        ["grouping concurrency 0"] = (
            () => MessagingOptions.Validate(new MessagingOptions { GroupingConcurrency = 0 }),
            ["Alerts:Messaging:GroupingConcurrency"]),
        ["retention of 0 days"] = (() => RetentionOptions.Validate(new RetentionOptions { Days = 0 }), ["Alerts:Retention:Days"]),
        ["no sample kept"] = (() => RetentionOptions.Validate(new RetentionOptions { SamplesPerIncident = 0 }), ["Alerts:Retention:SamplesPerIncident"]),
        ["event ids kept longer than incidents"] = (
            () => RetentionOptions.Validate(new RetentionOptions { Days = 1, EventIdHours = 48 }),
            ["Alerts:Retention:EventIdHours", "Alerts:Retention:Days"]),
        ["negative database size cap"] = (
            () => DatabaseOptions.Validate(new DatabaseOptions { ConnectionString = DatabaseOptions.DefaultSqlite, MaxSizeMegabytes = -1 }),
            ["Alerts:Database:MaxSizeMegabytes"]),
    };

    /// <summary>Configurations that must start.</summary>
    private static readonly Dictionary<string, Func<IEnumerable<string>>> GoodConfigurations = new()
    {
        ["Alerts defaults"] = () => AlertsOptions.Validate(new AlertsOptions()),
        ["Database defaults"] = () => DatabaseOptions.Validate(new DatabaseOptions { ConnectionString = DatabaseOptions.DefaultSqlite }),
        ["Messaging defaults"] = () => MessagingOptions.Validate(new MessagingOptions()),
        ["Retention defaults"] = () => RetentionOptions.Validate(new RetentionOptions()),
        ["a week of event ids, a year of incidents, a 2 GiB database"] = () => RetentionOptions.Validate(new RetentionOptions { Days = 365, EventIdHours = 168 })
            .Concat(DatabaseOptions.Validate(new DatabaseOptions { ConnectionString = DatabaseOptions.DefaultSqlite, MaxSizeMegabytes = 2048 })),
        ["admins, managers, projects and 404 patterns"] = () => AlertsOptions.Validate(new AlertsOptions
        {
            Admins = [new Recipient { Name = "Ada Admin", Email = "ada@example.com" }],
            Managers = [new Recipient { Email = "max@example.com" }],
            ServerEmail = "alerts@shop.example.com",
            Ignorable404Urls = [@"\.php$", "^/favicon.ico$"],
            DashboardUrl = "https://alerts.example.com/",
            BaseUrl = "http://alerts.internal:8080/alerts",
            Projects = [Project(1, "shop", GoodKey), Project(2, "blog", ProjectKeyFormat.New())],
        }),
        ["per-project 404 patterns, scanner lists and a digest"] = () => AlertsOptions.Validate(new AlertsOptions
        {
            Projects = [new ProjectOptions { Id = 1, Name = "shop", Key = GoodKey, Ignorable404Urls = [@"^/legacy/", @"\.asp$"] }],
            ScannerNoise = new ScannerNoiseOptions { UserAgents = ["(?i)sqlmap", ""], ProbeUrls = [@"^/admin\.php$"], Mail = true },
            BrokenLinkDigestMinutes = 60,
        }),
        ["RabbitMq with an amqp URI"] = () => MessagingOptions.Validate(new MessagingOptions
        {
            Transport = MessagingTransport.RabbitMq,
            RabbitMqUri = "amqp://alerts:secret@rabbit:5672/alerts",
        }),
        ["Postgres"] = () => DatabaseOptions.Validate(new DatabaseOptions
        {
            Provider = DatabaseProvider.Postgres,
            ConnectionString = "Host=db;Database=alerts;Username=alerts",
        }),
    };

    public static TheoryData<string> BadConfigurationNames => [.. BadConfigurations.Keys];

    public static TheoryData<string> GoodConfigurationNames => [.. GoodConfigurations.Keys];

    [Theory]
    [MemberData(nameof(BadConfigurationNames))]
    public void Validate_BadConfiguration_GivesOneMessageNamingTheKey(string configuration)
    {
        var (validate, keys) = BadConfigurations[configuration];

        var message = Assert.Single(validate());

        foreach (var key in keys) Assert.Contains(key, message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(GoodConfigurationNames))]
    public void Validate_GoodConfiguration_GivesNoMessage(string configuration)
    {
        Assert.Empty(GoodConfigurations[configuration]());
    }

    [Fact]
    public void AddAlertsOptions_BadAdminInConfiguration_FailsNamingTheEntry()
    {
        using var services = Services(new()
        {
            ["Alerts:Admins:0:Name"] = "Ada",
            ["Alerts:Admins:0:Email"] = "ada@example.com",
            ["Alerts:Admins:1:Name"] = "Bob",
            ["Alerts:Admins:1:Email"] = "bob.example.com",
        });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AlertsOptions>>().Value);

        Assert.Contains("Alerts:Admins:1:Email", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAlertsOptions_EmptyConfiguration_StartsWithDjangoDefaults()
    {
        using var services = Services([]);

        var alerts = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
        var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var messaging = services.GetRequiredService<IOptions<MessagingOptions>>().Value;

        Assert.Equal("[Alerts] ", alerts.EmailSubjectPrefix);
        Assert.Equal("alerts@localhost", alerts.ServerEmail);
        Assert.True(alerts.SendBrokenLinkEmails);
        Assert.Empty(alerts.Admins);
        Assert.Equal((DatabaseProvider.Sqlite, DatabaseOptions.DefaultSqlite), (database.Provider, database.ConnectionString));
        Assert.Equal(MessagingTransport.InMemory, messaging.Transport);
    }

    [Fact]
    public void AddAlertsOptions_ScannerLists_KeepTheirDefaultsUntilSetAndAnEmptyEntryClearsOne()
    {
        using var defaults = Services([]);
        using var configured = Services(new()
        {
            ["Alerts:ScannerNoise:UserAgents:0"] = "",
            ["Alerts:ScannerNoise:ProbeUrls:0"] = @"^/admin\.php$",
            ["Alerts:Projects:0:Id"] = "1",
            ["Alerts:Projects:0:Name"] = "shop",
            ["Alerts:Projects:0:Key"] = GoodKey,
            ["Alerts:Projects:0:Ignorable404Urls:0"] = "^/legacy/",
        });

        var byDefault = defaults.GetRequiredService<IOptions<AlertsOptions>>().Value;
        var set = configured.GetRequiredService<IOptions<AlertsOptions>>().Value;

        Assert.Contains("(?i)sqlmap", byDefault.ScannerNoise.EffectiveUserAgents);
        Assert.Contains(@"(?i)wp-login\.php", byDefault.ScannerNoise.EffectiveProbeUrls);
        Assert.False(byDefault.ScannerNoise.Mail);
        Assert.Equal(0, byDefault.BrokenLinkDigestMinutes);
        Assert.True(byDefault.AppendSlash);
        Assert.Empty(set.ScannerNoise.EffectiveUserAgents);
        Assert.Equal([@"^/admin\.php$"], set.ScannerNoise.EffectiveProbeUrls);
        Assert.Equal(["^/legacy/"], Assert.Single(set.Projects).Ignorable404Urls);
    }

    [Theory]
    [InlineData("Postgres", DatabaseProvider.Postgres)]
    [InlineData("postgres", DatabaseProvider.Postgres)]
    [InlineData("Sqlite", DatabaseProvider.Sqlite)]
    [InlineData(null, DatabaseProvider.Sqlite)]
    [InlineData("MySql", DatabaseProvider.Sqlite)] // chooses the default at registration; validation refuses it at start-up
    public void ProviderIn_ReadsTheProviderAsOptionsBindIt(string? configured, DatabaseProvider expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Alerts:Database:Provider"] = configured }).Build();

        Assert.Equal(expected, DatabaseOptions.ProviderIn(configuration));
    }

    [Fact]
    public void AddAlertsOptions_ConnectionStrings_AreBoundFromTheirOwnSection()
    {
        using var services = Services(new()
        {
            ["Alerts:Database:Provider"] = "Postgres",
            ["ConnectionStrings:Alerts"] = "Host=db;Database=alerts",
            ["Alerts:Messaging:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = "amqp://alerts:secret@rabbit:5672/alerts",
        });

        Assert.Equal("Host=db;Database=alerts", services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString);
        Assert.Equal("amqp://alerts:secret@rabbit:5672/alerts", services.GetRequiredService<IOptions<MessagingOptions>>().Value.RabbitMqUri);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddAlertsOptions()
            .BuildServiceProvider();
    }

    private static ProjectOptions Project(long id, string name, string key) => new() { Id = id, Name = name, Key = key };
}
