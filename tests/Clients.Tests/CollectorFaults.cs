using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Alerts.Clients.Tests;

/// <summary>
/// In front of a real Alerts: answers the first posts to the native API with scripted failures, lets the rest
/// through, and notes when each post arrived (on the server's clock) and with which key.
/// </summary>
internal sealed class CollectorFaults(params CollectorFaults.Answer[] answers) : IStartupFilter
{
    private readonly ConcurrentQueue<Answer> script = new(answers);
    private readonly ConcurrentQueue<(long Timestamp, string? Key)> posts = new();

    /// <summary>A status code to answer with, and a Retry-After in seconds.</summary>
    public sealed record Answer(int Status, int? RetryAfterSeconds = null);

    /// <summary>Posts the server received, scripted answers included.</summary>
    public int Posts => posts.Count;

    /// <summary>The X-Alerts-Key of every post, in order.</summary>
    public IReadOnlyList<string?> Keys => [.. posts.Select(p => p.Key)];

    /// <summary>Time between the arrival of post <paramref name="earlier"/> and post <paramref name="later"/> (from 0).</summary>
    public TimeSpan Between(int earlier, int later)
    {
        var arrived = posts.ToArray();
        return Stopwatch.GetElapsedTime(arrived[earlier].Timestamp, arrived[later].Timestamp);
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, rest) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == "/api/v1/events")
            {
                posts.Enqueue((Stopwatch.GetTimestamp(), context.Request.Headers["X-Alerts-Key"].ToString()));
                if (script.TryDequeue(out var answer))
                {
                    context.Response.StatusCode = answer.Status;
                    if (answer.RetryAfterSeconds is { } seconds)
                        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return;
                }
            }

            await rest(context);
        });
        next(app);
    };
}
