using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Alerts.TestSupport;
using Xunit.Abstractions;

namespace Alerts.EndToEnd.Tests;

/// <summary>What an operator's monitoring sees of one <c>alerts serve</c>: the Prometheus scrape and OTLP export.</summary>
public sealed class ObservabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PostedEvent_ShowsInTheScrape_AndMetricsAndTracesGoToTheOtlpEndpoint()
    {
        using var otlp = new HttpListener();
        var otlpPort = FreePort.Next();
        otlp.Prefixes.Add($"http://127.0.0.1:{otlpPort.ToString(CultureInfo.InvariantCulture)}/");
        otlp.Start();
        var received = new ConcurrentDictionary<string, bool>();
        var receiving = ReceiveAsync(otlp, received);

        await using var alerts = new AlertsProcess(output.WriteLine);
        await alerts.StartServeAsync(E2eSettings.Smtp(FreePort.Next()).With(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{otlpPort.ToString(CultureInfo.InvariantCulture)}"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
            ("OTEL_BSP_SCHEDULE_DELAY", "500")));

        await alerts.Client.PostEventAsync(SampleEvents.Error());

        var scrape = await alerts.Client.GetStringAsync("/metrics");
        Assert.Contains("alerts_events_accepted_total{otel_scope_name=\"Alerts\",project=\"1\"} 1", scrape, StringComparison.Ordinal);
        await Wait.UntilAsync(
            () => Task.FromResult(received.ContainsKey("/v1/metrics") && received.ContainsKey("/v1/traces")),
            TimeSpan.FromSeconds(30),
            $"OTLP metrics and traces (received: {string.Join(", ", received.Keys)})");
        otlp.Stop();
        await receiving;
    }

    /// <summary>Takes OTLP/HTTP exports (protobuf bodies) and counts them by path, answering 200 as a collector does.</summary>
    private static async Task ReceiveAsync(HttpListener listener, ConcurrentDictionary<string, bool> received)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (body.Length > 0 && context.Request.ContentType == "application/x-protobuf")
            {
                received.TryAdd(context.Request.Url!.AbsolutePath, true); // the paths the exporter posted to
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
