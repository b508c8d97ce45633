using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// Posts queued events to the collector, one background loop per app: it takes a batch from the queue and posts it
/// over a kept-alive connection. A failed post (no connection, timeout, 5xx, 429) pauses the loop, from one second
/// doubling up to <see cref="AlertsClientOptions.MaxRetryDelay"/> (or the collector's Retry-After), so an outage
/// costs one attempt per pause rather than one per event; meanwhile the bounded queue drops its oldest events.
/// Problems are logged once each, not once per event.
/// </summary>
internal sealed class AlertsEventSender : BackgroundService
{
    private const int MaxDetail = 512;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private readonly AlertsEventBuffer queue;
    private readonly AlertsClientOptions settings;
    private readonly ILogger<AlertsEventSender> logger;
    private readonly AlertsTarget? target;
    private readonly InAppRule inApp;
    private readonly HttpClient http;
    private readonly Queue<PendingEvent> batch = new();
    private TimeSpan retryDelay = TimeSpan.Zero;
    private string? lastProblem;

    public AlertsEventSender(
        AlertsEventBuffer queue,
        IOptions<AlertsClientOptions> options,
        IHostEnvironment environment,
        ILogger<AlertsEventSender> logger)
    {
        this.queue = queue;
        this.logger = logger;
        settings = options.Value;
        target = settings.Enabled ? AlertsTarget.From(settings) : null;
        inApp = new InAppRule([environment.ApplicationName, .. settings.InAppAssemblies]);
        http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2), // follow DNS changes of the collector's host
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each post has its own SendTimeout
        };
    }

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (target is null) return;
        try
        {
            while (batch.Count > 0 || await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                TakeBatch();
                TimeSpan pause;
                try
                {
                    pause = await SendBatchAsync(target, stoppingToken);
                }
#pragma warning disable CA1031 // A fault here would stop the app's host (BackgroundServiceExceptionBehavior.StopHost).
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    logger.LogError(ex, "Alerts: unexpected failure while sending; the event at hand is given up.");
                    if (batch.TryDequeue(out _)) queue.RecordFailed();
                    pause = FirstRetryDelay;
                }

                if (pause > TimeSpan.Zero) await Task.Delay(pause, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is left gets one short try below.
        }

        await FlushAsync(target);
    }

    /// <summary>A new batch once the last one is done: while the collector is down, memory stays at queue plus one batch.</summary>
    private void TakeBatch()
    {
        if (batch.Count > 0) return;
        while (batch.Count < settings.BatchSize && queue.Reader.TryRead(out var e))
            batch.Enqueue(e);
    }

    /// <summary>Posts the batch in order; returns how long to pause when a post failed and the rest must wait.</summary>
    private async Task<TimeSpan> SendBatchAsync(AlertsTarget to, CancellationToken cancel)
    {
        while (batch.TryPeek(out var e))
        {
            var (outcome, problem, retryAfter) = await PostAsync(to, e, cancel);
            switch (outcome)
            {
                case Outcome.Sent:
                    batch.Dequeue();
                    queue.RecordSent();
                    retryDelay = TimeSpan.Zero;
                    Recovered();
                    break;
                case Outcome.Refused:
                    batch.Dequeue();
                    queue.RecordFailed();
                    Problem(problem!);
                    break;
                default:
                    queue.RecordSendError();
                    Problem(problem!);
                    if (++e.Attempts >= settings.MaxAttempts)
                    {
                        batch.Dequeue();
                        queue.RecordFailed();
                    }

                    retryDelay = retryDelay == TimeSpan.Zero ? FirstRetryDelay : retryDelay * 2;
                    if (retryAfter > retryDelay) retryDelay = retryAfter.Value;
                    if (retryDelay > settings.MaxRetryDelay) retryDelay = settings.MaxRetryDelay;
                    return retryDelay;
            }
        }

        return TimeSpan.Zero;
    }

    private async Task<(Outcome Outcome, string? Problem, TimeSpan? RetryAfter)> PostAsync(AlertsTarget to, PendingEvent e, CancellationToken cancel)
    {
        try
        {
            e.Body ??= Serialize(e);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return (Outcome.Refused, $"could not serialize an event ({ex.GetType().Name}: {ex.Message})", null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, to.EventsUrl) { Content = new ByteArrayContent(e.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (settings.Compress) request.Content.Headers.ContentEncoding.Add("gzip");
        request.Headers.Add("X-Alerts-Key", to.Key);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(settings.SendTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.IsSuccessStatusCode) return (Outcome.Sent, null, null);
            var status = (int)response.StatusCode;
            var detail = await ReadDetailAsync(response, timeout.Token);
            if (status is 408 or 429 or >= 500)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta
                    ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                return (Outcome.Transient, $"{to.EventsUrl} answered {status}: {detail.TrimEnd('.')}", retryAfter);
            }

            return (Outcome.Refused, $"{to.EventsUrl} refused an event with {status}: {detail}", null);
        }
        catch (HttpRequestException ex)
        {
            // The inner SocketException says what happened ("Connection refused"); the outer message only that it failed.
            return (Outcome.Transient, $"cannot reach {to.EventsUrl}: {(ex.InnerException ?? ex).Message.TrimEnd('.')}", null);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (Outcome.Transient, $"{to.EventsUrl} did not answer within {settings.SendTimeout.TotalSeconds:0.#} s", null);
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

    /// <summary>At shutdown: one pass over what is left, within <see cref="AlertsClientOptions.ShutdownTimeout"/>.</summary>
    private async Task FlushAsync(AlertsTarget to)
    {
        using var deadline = new CancellationTokenSource(settings.ShutdownTimeout);
        try
        {
            retryDelay = TimeSpan.Zero;
            while (true)
            {
                TakeBatch();
                if (batch.Count == 0 || await SendBatchAsync(to, deadline.Token) > TimeSpan.Zero) break;
            }
        }
        catch (OperationCanceledException)
        {
            // Out of time: the count below says what was lost.
        }

        var left = batch.Count + queue.Count;
        if (left > 0)
            logger.LogWarning("Alerts: {Count} event(s) were not sent before shutdown.", left);
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

    private enum Outcome { Sent, Refused, Transient }
}
