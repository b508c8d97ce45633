using Alerts.Collector;
using Alerts.Core.Options;
using Alerts.Notifier;
using Alerts.Notifier.Crawler;
using Microsoft.Extensions.Options;
using Alerts.Notifier.Mail;
using Alerts.Notifier.Decide;

namespace Alerts.Server.Hosting;

/// <summary>
/// Every options class of the executable and its section, whatever the roles a process runs: a collector refuses a
/// misspelt notifier setting too, since the same configuration usually serves every process.
/// </summary>
public static class SettingsCatalog
{
    public static readonly IReadOnlyList<OptionsSection> Sections =
    [
        new(AlertsOptions.SectionName, typeof(AlertsOptions)),
        new(EmailOptions.SectionName, typeof(EmailOptions)),
        new(AlertPolicyOptions.SectionName, typeof(AlertPolicyOptions)),
        new(ScrubbingOptions.SectionName, typeof(ScrubbingOptions)),
        new(RetentionOptions.SectionName, typeof(RetentionOptions)),
        new(Core.Monitors.MonitorsOptions.SectionName, typeof(Core.Monitors.MonitorsOptions)),
        new(DatabaseOptions.SectionName, typeof(DatabaseOptions)),
        new(MessagingOptions.SectionName, typeof(MessagingOptions)),
        new(CollectorOptions.SectionName, typeof(CollectorOptions)),
        new(NotifierOptions.SectionName, typeof(NotifierOptions)),
        new(CrawlerOptions.SectionName, typeof(CrawlerOptions)),
        new(KeyRingOptions.SectionName, typeof(KeyRingOptions)),
        new(HttpOptions.SectionName, typeof(HttpOptions)),
    ];

    /// <summary>Stops the start, as the validated options do, on an unknown key or a value its setting cannot hold.</summary>
    public static void ThrowIfMalformed(IConfiguration configuration)
    {
        var errors = SettingsShape.Check(configuration, Sections);
        if (errors.Count > 0) throw new OptionsValidationException(AlertsOptions.SectionName, typeof(AlertsOptions), errors);
    }
}
