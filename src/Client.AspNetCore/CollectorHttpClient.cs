using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// The named <see cref="HttpClient"/> that posts events to the collector: connections time out after
/// <see cref="AlertsClientOptions.ConnectTimeout"/>, each post after <see cref="AlertsClientOptions.SendTimeout"/>, and
/// a post that failed for a transient reason (no connection, timeout, 408, 429, 5xx) is tried again up to
/// <see cref="AlertsClientOptions.MaxAttempts"/> posts in all, pausing from one second doubling up to
/// <see cref="AlertsClientOptions.MaxRetryDelay"/>, or as long as the collector's Retry-After asks (within that bound).
/// Any other 4xx is a refusal and is not tried again.
/// </summary>
internal static class CollectorHttpClient
{
    public const string Name = "Alerts.Collector";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    public static void AddCollectorHttpClient(this IServiceCollection services)
    {
        services.AddHttpClient(Name, http => http.Timeout = Timeout.InfiniteTimeSpan) // each attempt has its own SendTimeout
            .UseSocketsHttpHandler((handler, provider) => handler.ConnectTimeout = SettingsOf(provider).ConnectTimeout)
            .RemoveAllLoggers() // the sender logs each problem once; a line per post would flood the app's log in an outage
            .AddResilienceHandler("post", (pipeline, context) =>
            {
                var settings = SettingsOf(context.ServiceProvider);
                var events = context.ServiceProvider.GetRequiredService<AlertsEventBuffer>();
                // Likewise each retry: the app's telemetry (metrics, listeners) as configured, but its log lines at Debug.
                pipeline.ConfigureTelemetry(new TelemetryOptions(context.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value)
                {
                    SeverityProvider = args => args.Event.Severity > ResilienceEventSeverity.Debug ? ResilienceEventSeverity.Debug : args.Event.Severity,
                });
                if (settings.MaxAttempts > 1)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = settings.MaxAttempts - 1,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = false,
                        Delay = FirstRetryDelay,
                        MaxDelay = settings.MaxRetryDelay,
                        // Also a connect timeout (a cancellation the caller did not ask for), which the default misses.
                        ShouldHandle = args => ValueTask.FromResult(
                            HttpClientResiliencePredicates.IsTransient(args.Outcome)
                            || (args.Outcome.Exception is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested)),
                        // The library's Retry-After reader has no upper bound; a collector must not stall us past MaxRetryDelay.
                        DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, settings.MaxRetryDelay)),
                        OnRetry = _ =>
                        {
                            events.RecordSendError();
                            return default;
                        },
                    });
                }

                pipeline.AddTimeout(settings.SendTimeout);
            });
    }

    /// <summary>Whether a final answer is one the client would have tried again: 408, 429 and 5xx.</summary>
    public static bool IsTransient(HttpResponseMessage response) =>
        HttpClientResiliencePredicates.IsTransient(Outcome.FromResult(response));

    /// <summary>The pause a 429 or 503 asks for with Retry-After (seconds or a date), at most <paramref name="max"/>.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max)
    {
        if (response?.Headers.RetryAfter is not RetryConditionHeaderValue retryAfter) return null;
        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is not { } wait) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > max ? max : wait;
    }

    private static AlertsClientOptions SettingsOf(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<AlertsClientOptions>>().Value;
}
