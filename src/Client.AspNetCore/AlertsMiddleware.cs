using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// Reports the app's unhandled exceptions and its 404s to requests with a Referer, then lets the app answer as it
/// would without it: exceptions are rethrown to the app's own error handling. Reporting only queues an event; it
/// never waits on the network and never fails the request.
/// </summary>
internal sealed class AlertsMiddleware(
    RequestDelegate next,
    AlertsEventBuffer queue,
    IOptions<AlertsClientOptions> options,
    TimeProvider clock,
    ILogger<AlertsMiddleware> logger)
{
    // The exception already reported for this request: a handler that re-executes the pipeline must not report it twice.
    private static readonly object ReportedKey = new();

    private readonly AlertsClientOptions settings = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!settings.Enabled)
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            ReportError(context, ex);
            throw;
        }

        // Placed outside UseExceptionHandler, the exception was handled before it reached here.
        if (context.Features.Get<IExceptionHandlerFeature>()?.Error is { } handled)
            ReportError(context, handled);

        if (settings.ReportBrokenLinks && context.Response.StatusCode == StatusCodes.Status404NotFound
            && context.Request.Headers.Referer.Count > 0 && !string.IsNullOrEmpty(context.Request.Headers.Referer.ToString()))
        {
            Report(context, () => new PendingEvent(NewEvent(NativeEvent.BrokenLink, context, level: null, message: null)));
        }
    }

    private void ReportError(HttpContext context, Exception exception)
    {
        if (!settings.ReportErrors) return;
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested) return; // the browser went away
        if (context.Items.TryGetValue(ReportedKey, out var seen) && ReferenceEquals(seen, exception)) return;
        context.Items[ReportedKey] = exception;
        Report(context, () => new PendingEvent(
            NewEvent(NativeEvent.Error, context, level: "error", message: $"Internal Server Error: {context.Request.PathBase}{context.Request.Path}"),
            exception));
    }

    private void Report(HttpContext context, Func<PendingEvent> create)
    {
        try
        {
            queue.Enqueue(create());
        }
#pragma warning disable CA1031 // Reporting must never turn into the app's failure.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            logger.LogWarning(ex, "Alerts: could not report {Method} {Path}", context.Request.Method, context.Request.Path);
        }
    }

    private NativeEvent NewEvent(string kind, HttpContext context, string? level, string? message) => new()
    {
        Kind = kind,
        Timestamp = clock.GetUtcNow(),
        Environment = settings.Environment,
        Release = settings.Release,
        ServerName = settings.ServerName,
        Level = level,
        Message = message,
        Request = RequestCapture.From(context),
    };
}
