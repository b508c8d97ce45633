using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Alerts.Core.Observability;

public static class ObservabilityRegistration
{
    /// <summary>The path Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// OpenTelemetry metrics (the "Alerts" meter, ASP.NET Core, runtime) for a Prometheus scrape, and traces
    /// (requests, MassTransit, Npgsql, the "Alerts" source); both also go to an OTLP collector when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the standard variable the exporter reads itself.
    /// </summary>
    public static IHostApplicationBuilder AddAlertsObservability(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddHostedService<QueueDepthSampler>();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m =>
            {
                m.AddMeter(AlertsMetrics.Name, "MassTransit")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter();
            });
        if (otlp)
        {
            // Traces only leave the process through OTLP; without a collector they would only cost.
            otel.WithTracing(t => t
                .AddSource(AlertsMetrics.Name, "MassTransit", "Npgsql")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsProbe(ctx.Request.Path))
                .AddOtlpExporter());
        }
        return builder;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text format).</summary>
    public static WebApplication MapAlertsMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }

    /// <summary>Health probes and scrapes: machine traffic from inside, neither traced nor redirected to https.</summary>
    public static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments(MetricsPath);
}
