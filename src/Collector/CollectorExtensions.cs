using Alerts.Collector.Inbox;
using Alerts.Collector.Ingestion;
using Alerts.Collector.Keys;
using Alerts.Collector.Monitors;
using Alerts.Collector.Sentry;
using Alerts.Core.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alerts.Collector;

public static class CollectorExtensions
{
    public static IHostApplicationBuilder AddCollector(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<CollectorOptions>(CollectorOptions.SectionName, CollectorOptions.Validate);
        builder.Services.AddSingleton<ProjectKeyResolver>();
        builder.Services.AddSingleton<KeyRateLimiter>();
        builder.Services.AddSingleton<EventIngestor>();
        builder.Services.AddSingleton<EventInbox>();
        builder.Services.AddSingleton<CheckInIngestor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventInbox>());
        return builder;
    }

    public static WebApplication MapCollector(this WebApplication app)
    {
        app.MapEventsApi();
        app.MapSentryApi();
        app.MapCheckInApi();
        return app;
    }
}
