using Alerts.Core.Options;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Alerts.Core.Messaging;

public static class MessagingRegistration
{
    /// <summary>
    /// The bus, with the transport chosen by <c>Alerts:Messaging:Transport</c>; consumers come from the roles. With
    /// RabbitMQ, <c>/readyz</c> also checks the broker is reachable and reports <paramref name="brokerDownStatus"/>
    /// when it is not: a collector stays in its load balancer (Degraded) since it keeps accepting events without it.
    /// </summary>
    public static IServiceCollection AddAlertsMessaging(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator> addConsumers, HealthStatus brokerDownStatus = HealthStatus.Unhealthy)
    {
        // The transport shapes the registration itself, so it is read here; the options class still validates it at start-up.
        var transport = configuration.GetSection(MessagingOptions.SectionName).Get<MessagingOptions>()?.Transport ?? MessagingTransport.InMemory;
        services.AddMassTransit(x =>
        {
            // A self-hosted service calls no one: MassTransit would otherwise post usage reports to its vendor's host.
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            addConsumers(x);
            if (transport == MessagingTransport.RabbitMq)
            {
                services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker", brokerDownStatus, ["ready"]);
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(context.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagingOptions>>().Value.RabbitMqUri));
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return services;
    }
}
