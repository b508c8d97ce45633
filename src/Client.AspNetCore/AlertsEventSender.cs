using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// Posts queued events to the collector, one background loop per app, one event at a time through the named
/// <see cref="CollectorHttpClient"/>, whose pipeline retries transient failures. While an event waits for its next
/// try the rest wait in the bounded queue, which drops its oldest events when full, so an outage costs one post per
/// pause rather than one per event. Problems are logged once each, not once per event.
/// </summary>
internal sealed class AlertsEventSender(
    AlertsEventBuffer queue,
    IHttpClientFactory httpClients,
    IOptions<AlertsClientOptions> options,
    IHostEnvironment environment,
    ILogger<AlertsEventSender> logger) : BackgroundService
{
    private const int MaxDetail = 512;

    private readonly AlertsClientOptions settings = options.Value;
    private readonly InAppRule inApp = new([environment.ApplicationName, .. options.Value.InAppAssemblies]);
    private PendingEvent? inFlight;
    private string? lastProblem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled) return;
        var target = AlertsTarget.From(settings);
        try
        {
            await foreach (var e in queue.Reader.ReadAllAsync(stoppingToken))
                await SendAsync(target, e, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is left gets one short try below.
        }

        await FlushAsync(target);
    }

    /// <summary>Posts one event, retries included; an event cut short by cancellation stays <see cref="inFlight"/>.</summary>
    private async Task SendAsync(AlertsTarget to, PendingEvent e, CancellationToken cancel)
    {
        inFlight = e;
        try
        {
            await PostAsync(to, e, cancel);
        }
#pragma warning disable CA1031 // A fault here would stop the app's host (BackgroundServiceExceptionBehavior.StopHost).
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            logger.LogError(ex, "Alerts: unexpected failure while sending; the event at hand is given up.");
            queue.RecordFailed();
        }

        inFlight = null;
    }

    private async Task PostAsync(AlertsTarget to, PendingEvent e, CancellationToken cancel)
    {
        byte[] body;
        try
        {
            body = Serialize(e);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            GiveUp($"could not serialize an event ({ex.GetType().Name}: {ex.Message})");
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, to.EventsUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (settings.Compress) request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add("X-Alerts-Key", to.Key);
        try
        {
            using var response = await httpClients.CreateClient(CollectorHttpClient.Name)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
            if (response.IsSuccessStatusCode)
            {
                queue.RecordSent();
                Recovered();
                return;
            }

            var status = (int)response.StatusCode;
            var detail = await ReadDetailAsync(response, cancel);
            if (CollectorHttpClient.IsTransient(response))
            {
                queue.RecordSendError();
                GiveUp($"{to.EventsUrl} answered {status}: {detail.TrimEnd('.')}");
            }
            else
            {
                GiveUp($"{to.EventsUrl} refused an event with {status}: {detail}");
            }
        }
        catch (HttpRequestException ex)
        {
            // The inner SocketException says what happened ("Connection refused"); the outer message only that it failed.
            queue.RecordSendError();
            GiveUp($"cannot reach {to.EventsUrl}: {(ex.InnerException ?? ex).Message.TrimEnd('.')}");
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || (ex is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            queue.RecordSendError();
            GiveUp($"{to.EventsUrl} did not answer within {settings.SendTimeout.TotalSeconds:0.#} s");
        }
    }

    private byte[] Serialize(PendingEvent e)
    {
        if (e.Exception is { } exception)
            (e.Payload.Exception, e.Payload.Causes) = ExceptionMapper.Map(exception, inApp);
        var json = JsonSerializer.SerializeToUtf8Bytes(e.Payload, NativeEventJsonContext.Default.NativeEvent);
        if (!settings.Compress) return json;
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            gzip.Write(json);
        return buffer.ToArray();
    }

    /// <summary>The start of the collector's answer (a ProblemDetails), for the log.</summary>
    private static async Task<string> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancel);
            var buffer = new byte[MaxDetail];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancel)) > 0)
                read += n;
            return Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    /// <summary>At shutdown: what is left, within <see cref="AlertsClientOptions.ShutdownTimeout"/>.</summary>
    private async Task FlushAsync(AlertsTarget to)
    {
        using var deadline = new CancellationTokenSource(settings.ShutdownTimeout);
        try
        {
            if (inFlight is { } cut) await SendAsync(to, cut, deadline.Token);
            while (queue.Reader.TryRead(out var e))
                await SendAsync(to, e, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Out of time: the count below says what was lost.
        }

        var left = (inFlight is null ? 0 : 1) + queue.Count;
        if (left > 0)
            logger.LogWarning("Alerts: {Count} event(s) were not sent before shutdown.", left);
    }

    /// <summary>The event at hand is refused or out of tries: counted, and the problem logged once.</summary>
    private void GiveUp(string problem)
    {
        queue.RecordFailed();
        Problem(problem);
    }

    private void Problem(string problem)
    {
        if (problem == lastProblem) return;
        lastProblem = problem;
        logger.LogWarning(
            "Alerts: {Problem}. Events wait in a queue of {Capacity}; when it is full the oldest are dropped ({Dropped} so far).",
            problem, queue.Capacity, queue.Dropped);
    }

    private void Recovered()
    {
        if (lastProblem is null) return;
        lastProblem = null;
        logger.LogInformation(
            "Alerts: the collector accepts events again ({Dropped} dropped, {Failed} given up so far).", queue.Dropped, queue.Failed);
    }
}
