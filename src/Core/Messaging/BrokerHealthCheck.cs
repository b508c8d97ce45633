using System.Net.Sockets;
using Alerts.Core.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Messaging;

/// <summary>
/// Whether the RabbitMQ broker accepts connections. MassTransit's own check follows the receive endpoints, which a
/// collector has none of; this one tells every role whether the broker is there at all.
/// </summary>
internal sealed class BrokerHealthCheck(IOptions<MessagingOptions> options) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(options.Value.RabbitMqUri);
        var port = uri.Port > 0 ? uri.Port : uri.Scheme == "amqps" ? 5671 : 5672;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(uri.Host, port, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The RabbitMQ broker at {uri.Host}:{port} cannot be reached.");
        }
    }
}
