using Alerts.Core.Data;
using Alerts.Core.Options;
using Alerts.Notifier.Crawler;
using Alerts.Notifier.Delivery;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.Jobs;
using Alerts.Notifier.Mail;
using Alerts.Notifier.Monitors;
using Alerts.Notifier.Decide;
using Alerts.Notifier.SelfMonitoring;
using Alerts.Notifier.Sql;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier;

public static class NotifierExtensions
{
    /// <summary>Mail sending: every role that sends mail (the notifier, <c>alerts sendtestemail</c>) uses this one path.</summary>
    public static IServiceCollection AddMailSender(this IServiceCollection services)
    {
        services.AddValidatedOptions<EmailOptions>(EmailOptions.SectionName, EmailOptions.Validate);
        services.AddSingleton<SmtpMailSender>();
        services.AddSingleton<FileMailSender>();
        services.AddSingleton<ConsoleMailSender>();
        services.AddSingleton<IMailSender>(sp => sp.GetRequiredService<IOptions<EmailOptions>>().Value.Backend switch
        {
            EmailBackend.File => sp.GetRequiredService<FileMailSender>(),
            EmailBackend.Console => sp.GetRequiredService<ConsoleMailSender>(),
            _ => sp.GetRequiredService<SmtpMailSender>(),
        });
        return services;
    }

    /// <summary>The Notifier's raw SQL for the configured database provider, chosen once.</summary>
    public static IServiceCollection AddNotifierSql(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => NotifierSql.For(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider));
        return services;
    }

    /// <summary>Group and Decide, and what they read: the pipeline a notifier runs for every accepted event.</summary>
    public static IServiceCollection AddEventPipeline(this IServiceCollection services)
    {
        services.AddNotifierSql();
        services.TryAddSingleton<IgnoreRuleStore>();
        services.TryAddSingleton<ProjectRecipientStore>();
        services.TryAddSingleton<ProjectNameStore>();
        services.TryAddSingleton<IncidentMailContext>();
        services.AddSingleton<BrokenLinkRuleSets>();
        services.AddSingleton<IncidentGrouper>();
        services.AddSingleton<OccurrenceDecider>();
        services.AddSingleton<EventPipeline>();
        return services;
    }

    /// <summary>
    /// Every role watches itself: its failures become events of the built-in project, handed to the notifiers over the
    /// bus; a role without the notifier carries none of its pipeline.
    /// </summary>
    public static IHostApplicationBuilder AddSelfMonitoring(this IHostApplicationBuilder builder)
    {
        // Every role validates the notifier's settings at start-up: one configuration usually serves every process.
        builder.Services.AddValidatedOptions<NotifierOptions>(NotifierOptions.SectionName, NotifierOptions.Validate);
        builder.Services.AddValidatedOptions<AlertPolicyOptions>(AlertPolicyOptions.SectionName, AlertPolicyOptions.Validate);
        builder.Services.AddMailSender();
        builder.Services.TryAddSingleton<ISelfMonitorHandoff, PublishToNotifiers>();
        builder.Services.AddSingleton<SelfMonitor>();
        builder.Services.AddExceptionHandler<SelfMonitorExceptionHandler>();
        return builder;
    }

    public static IHostApplicationBuilder AddNotifier(this IHostApplicationBuilder builder)
    {
        // A notifier groups its own failures in process (see GroupHere); registered first, so self-monitoring keeps it.
        builder.Services.AddSingleton<ISelfMonitorHandoff, GroupHere>();
        builder.AddSelfMonitoring();
        builder.AddAlertsKeyRing(); // signs the action links in mails
        builder.Services.AddEventPipeline();
        builder.Services.AddSingleton<NotificationDelivery>();
        builder.Services.AddSingleton<FollowUpMails>();
        builder.Services.AddSingleton<BrokenLinkDigest>();
        builder.Services.AddScoped<NotifierSweepJob>();
        builder.Services.AddScoped<RetentionJob>();
        builder.Services.AddSingleton<MonitorRecovery>();
        builder.Services.AddScoped<MonitorDueCheckJob>();
        builder.Services.AddSingleton<UptimeProbe>();
        builder.Services.TryAddSingleton<UptimeTrust>();
        builder.Services.AddNotifierJobs();
        builder.Services.AddLinkCrawler();
        return builder;
    }

    public static IBusRegistrationConfigurator AddNotifierConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<EventsAcceptedConsumer, EventsAcceptedConsumerDefinition>();
        bus.AddConsumer<NotificationsQueuedConsumer>();
        bus.AddConsumer<GroupingFaultConsumer>();
        bus.AddConsumer<MonitorRecoveredConsumer>();
        return bus;
    }
}
