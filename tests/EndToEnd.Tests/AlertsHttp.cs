using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>An incident as <c>GET /api/v1/incidents</c> lists it.</summary>
internal sealed record IncidentRow(long Id, long ProjectId, string Kind, string Title, string Status, long Count);

/// <summary>What a client of a served <c>alerts</c> does over HTTP: post events, read incidents.</summary>
internal static class AlertsHttp
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Posts to the native API and returns the event id of the 202 answer.</summary>
    public static async Task<string> PostEventAsync(this HttpClient client, string json, string key = AlertsTestApp.ProjectKey)
    {
        using var response = await client.SendAsync(AlertsTestApp.EventRequest(json, key));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /api/v1/events answered {(int)response.StatusCode}: {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        Assert.Matches("^[0-9a-f]{32}$", id);
        return id!;
    }

    /// <summary>Creates an API token with <c>alerts tokens create</c> on the process's database.</summary>
    public static async Task<string> CreateTokenAsync(this AlertsProcess alerts, IReadOnlyDictionary<string, string> env)
    {
        var run = await alerts.RunAsync(env, "tokens", "create", "--name", "e2e");
        Assert.True(run.ExitCode == 0, $"alerts tokens create failed: {run}");
        var token = run.StandardOutput.Trim();
        Assert.False(token.Contains('\n', StringComparison.Ordinal), $"alerts tokens create printed more than the token, so TOKEN=$(alerts tokens create ...) breaks: {run}");
        return token;
    }

    public static async Task<IReadOnlyList<IncidentRow>> IncidentsAsync(this HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/incidents");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET /api/v1/incidents answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<List<IncidentRow>>(Json))!;
    }

    /// <summary>Polls the incidents until <paramref name="done"/> holds; a timeout reports the incidents last seen.</summary>
    public static async Task<IReadOnlyList<IncidentRow>> WaitForIncidentsAsync(
        this HttpClient client, string token, Func<IReadOnlyList<IncidentRow>, bool> done, string what, TimeSpan timeout)
    {
        IReadOnlyList<IncidentRow> seen = [];
        try
        {
            return await Wait.UntilAsync(
                async () =>
                {
                    seen = await client.IncidentsAsync(token);
                    return done(seen) ? seen : null;
                },
                timeout,
                what);
        }
        catch (TimeoutException ex)
        {
            var rows = seen.Count == 0 ? "no incident" : string.Join("; ", seen.Select(i => $"#{i.Id} {i.Kind} '{i.Title}' count {i.Count}"));
            throw new TimeoutException($"{ex.Message} (last seen: {rows})", ex);
        }
    }

    /// <summary>The ids of the sample events <c>GET /api/v1/incidents/{id}</c> shows.</summary>
    public static async Task<IReadOnlyList<string>> SampleEventIdsAsync(this HttpClient client, string token, long incidentId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/incidents/{incidentId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. detail.RootElement.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];
    }
}
