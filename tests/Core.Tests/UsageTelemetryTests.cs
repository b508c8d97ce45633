using Alerts.Core.Messaging;
using Alerts.TestSupport;
using MassTransit.UsageTracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Core.Tests;

/// <summary>A self-hosted service calls no one: MassTransit's usage telemetry stays off, whichever transport is configured.</summary>
public sealed class UsageTelemetryTests
{
    [Theory]
    [InlineData("InMemory")]
    [InlineData("RabbitMq")]
    public async Task Messaging_AnyTransport_HasUsageTelemetryOff(string transport)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerts:Messaging:Transport"] = transport,
            ["ConnectionStrings:RabbitMq"] = "amqp://guest:guest@127.0.0.1:5672/",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddAlertsMessaging(configuration, _ => { });
        await using var provider = services.BuildServiceProvider();

        AssertOff(provider);
    }

    [Fact]
    public async Task RunningServer_HasUsageTelemetryOff()
    {
        await using var app = await AlertsTestApp.StartAsync();

        AssertOff(app.Services);
    }

    // The tracker MassTransit itself consults before reporting, after its environment variable has had its say.
    private static void AssertOff(IServiceProvider services)
    {
        var tracker = Assert.IsType<UsageTracker>(services.GetRequiredService<IUsageTracker>());
        Assert.False(tracker.Enabled, "MassTransit's usage telemetry is on: the service would post usage reports to MassTransit's host.");
    }
}
