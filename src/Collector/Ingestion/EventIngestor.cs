using Alerts.Collector.Inbox;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Observability;
using Alerts.Core.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alerts.Collector.Ingestion;

public enum IngestOutcome
{
    /// <summary>Committed to the inbox (or already there under the same id).</summary>
    Stored,

    /// <summary>The inbox is full: the client should retry after a moment.</summary>
    Busy,

    /// <summary>The database could not take the write (busy, full): nothing was stored, the client should retry later.</summary>
    Unavailable,

    /// <summary>The event holds text that cannot be stored (a lone surrogate escape such as <c>\ud800</c>): a 400.</summary>
    Malformed,
}

/// <summary>
/// The one way an event is stored, whichever protocol brought it: scrubbed, stamped and committed to the inbox
/// before the caller answers.
/// </summary>
public sealed class EventIngestor(EventInbox inbox, IOptions<ScrubbingOptions> scrubbing, TimeProvider clock)
{
    /// <summary>
    /// Stores a valid event under <paramref name="id"/> (a client's own id, so a retry within the project is kept once)
    /// or a new id, also when another project's stored event holds that id; returns the id it is stored under.
    /// </summary>
    public async Task<(IngestOutcome Outcome, string Id)> IngestAsync(long projectId, EventKind kind, EventPayload payload, string? id = null)
    {
        InboxEvent stored;
        try
        {
            // Before anything is stored: the stored payload is what mails and the Dashboard show.
            EventScrubber.Scrub(payload, scrubbing.Value.SensitiveNames());
            stored = InboxEvent.Create(projectId, kind, payload, clock.GetUtcNow().UtcDateTime, id);
        }
        catch (InvalidOperationException)
        {
            // Free-form JSON (user, vars, data) is read without decoding its strings; System.Text.Json throws this type for
            // one that cannot be decoded (a lone surrogate) when the scrubber or the writer meets it, and nothing else here does.
            AlertsMetrics.EventRejected(projectId, "malformed");
            return (IngestOutcome.Malformed, id ?? "");
        }

        if (!inbox.TryAccept(stored, out var committed))
        {
            AlertsMetrics.EventRejected(projectId, "busy");
            return (IngestOutcome.Busy, stored.Id);
        }
        try
        {
            await committed;
        }
        catch (InboxUnavailableException)
        {
            AlertsMetrics.EventRejected(projectId, "store unavailable");
            return (IngestOutcome.Unavailable, stored.Id);
        }
        AlertsMetrics.EventAccepted(projectId);
        return (IngestOutcome.Stored, stored.Id);
    }

    /// <summary>
    /// The answer to an event that was not stored: 400 for one that cannot be, else 429 with the Retry-After the client
    /// should honour; never a 5xx, which Sentry SDKs take as "drop the event".
    /// </summary>
    public static ProblemHttpResult Problem(HttpResponse response, IngestOutcome outcome)
    {
        if (outcome == IngestOutcome.Malformed)
            return EventsApi.Problem(400, "Malformed event",
                "The event holds a string that is not valid Unicode (a lone surrogate escape such as \\ud800); send surrogates in pairs.");
        if (outcome == IngestOutcome.Busy)
        {
            response.Headers.RetryAfter = "1";
            return EventsApi.Problem(429, "Too many events", "The collector is busy writing; retry after the Retry-After delay.");
        }
        response.Headers.RetryAfter = "5";
        return EventsApi.Problem(429, "Event store unavailable", "The event store is busy or full and stored nothing; retry after the Retry-After delay.");
    }
}
