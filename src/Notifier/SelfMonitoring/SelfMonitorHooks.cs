using Alerts.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Alerts.Notifier.SelfMonitoring;

/// <summary>An unhandled exception in any request becomes a self-monitoring incident; the client still gets ProblemDetails.</summary>
internal sealed class SelfMonitorExceptionHandler(SelfMonitor monitor) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        await monitor.ReportAsync(exception, $"{httpContext.Request.Method} {httpContext.Request.Path}", CancellationToken.None);
        return false; // the ProblemDetails writer answers; nothing internal reaches the client
    }
}

/// <summary>Grouping that failed after every retry: events wait in the inbox for the sweep, and ADMINS hear of it.</summary>
internal sealed class GroupingFaultConsumer(SelfMonitor monitor) : IConsumer<Fault<EventsAccepted>>
{
    public Task Consume(ConsumeContext<Fault<EventsAccepted>> context)
    {
        var error = context.Message.Exceptions.FirstOrDefault();
        return monitor.ReportAsync(error?.ExceptionType ?? "GroupingFailed",
            $"{error?.Message} ({context.Message.Message.EventIds.Count} event(s) left ungrouped; the sweep retries them)",
            "grouping", context.CancellationToken);
    }
}
