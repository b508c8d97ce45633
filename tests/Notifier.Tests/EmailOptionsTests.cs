using Alerts.Notifier.Mail;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Tests;

public class EmailOptionsTests
{
    /// <summary>One bad setting per row, and the configuration keys its message must name.</summary>
    private static readonly Dictionary<string, (EmailOptions Options, string[] Keys)> BadSettings = new()
    {
        ["UseTls and UseSsl together"] = (new EmailOptions { UseTls = true, UseSsl = true }, ["Alerts:Email:UseTls", "Alerts:Email:UseSsl"]),
        ["port 0"] = (new EmailOptions { Port = 0 }, ["Alerts:Email:Port"]),
        ["port above 65535"] = (new EmailOptions { Port = 70000 }, ["Alerts:Email:Port"]),
        ["timeout 0"] = (new EmailOptions { TimeoutSeconds = 0 }, ["Alerts:Email:TimeoutSeconds"]),
        ["empty host"] = (new EmailOptions { Host = " " }, ["Alerts:Email:Host"]),
        ["password without user"] = (new EmailOptions { HostPassword = "secret" }, ["Alerts:Email:HostPassword", "Alerts:Email:HostUser"]),
        ["client cert without key"] = (new EmailOptions { SslCertFile = typeof(EmailOptionsTests).Assembly.Location },
            ["Alerts:Email:SslCertFile", "Alerts:Email:SslKeyFile"]),
        ["missing trusted server cert"] = (new EmailOptions { TrustedServerCertFile = "/nonexistent/relay.pem" }, ["Alerts:Email:TrustedServerCertFile"]),
        ["File backend without a folder"] = (new EmailOptions { Backend = EmailBackend.File, FilePath = "" }, ["Alerts:Email:FilePath"]),
        ["unknown backend"] = (new EmailOptions { Backend = (EmailBackend)7 }, ["Alerts:Email:Backend"]),
    };

    /// <summary>Settings that must start.</summary>
    private static readonly Dictionary<string, EmailOptions> GoodSettings = new()
    {
        ["Email defaults"] = new EmailOptions(),
        ["STARTTLS with login"] = new EmailOptions { Host = "smtp.example.com", Port = 587, UseTls = true, HostUser = "alerts", HostPassword = "secret" },
        ["implicit TLS"] = new EmailOptions { Host = "smtp.example.com", Port = 465, UseSsl = true },
    };

    public static TheoryData<string> BadSettingNames => [.. BadSettings.Keys];

    public static TheoryData<string> GoodSettingNames => [.. GoodSettings.Keys];

    [Theory]
    [MemberData(nameof(BadSettingNames))]
    public void Validate_BadSetting_GivesOneMessageNamingTheKey(string setting)
    {
        var message = Assert.Single(EmailOptions.Validate(BadSettings[setting].Options));

        Assert.All(BadSettings[setting].Keys, key => Assert.Contains(key, message, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(GoodSettingNames))]
    public void Validate_GoodSetting_GivesNoMessage(string setting) => Assert.Empty(EmailOptions.Validate(GoodSettings[setting]));

    [Fact]
    public void AddMailSender_UseTlsAndUseSsl_FailsNamingBothKeys()
    {
        using var services = MailServices(new() { ["Alerts:Email:UseTls"] = "true", ["Alerts:Email:UseSsl"] = "true" });

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<EmailOptions>>().Value);

        Assert.Contains("Alerts:Email:UseTls", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Alerts:Email:UseSsl", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMailSender_EmptyConfiguration_StartsWithDjangoDefaults()
    {
        using var services = MailServices([]);

        var email = services.GetRequiredService<IOptions<EmailOptions>>().Value;

        Assert.Equal(("localhost", 25, 30, false, false), (email.Host, email.Port, email.TimeoutSeconds, email.UseTls, email.UseSsl));
    }

    private static ServiceProvider MailServices(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .AddMailSender()
        .BuildServiceProvider();
}
