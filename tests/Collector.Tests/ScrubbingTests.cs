using System.Net;
using System.Text.Json;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Server.Hosting;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Collector.Tests;

public sealed class ScrubbingTests
{
    /// <summary>Secrets an app sends in the places Django's filter covers, each distinct so a leak names its place.</summary>
    private static readonly string[] Secrets = ["header-secret-7f3a", "form-secret-91bc", "query-secret-2d44", "var-secret-c0de"];

    private static readonly string EventWithSecrets = $$"""
        {
          "kind": "error", "message": "Internal Server Error: /login",
          "exception": { "type": "ValueError", "value": "bad login",
                         "frames": [ { "filename": "shop/views.py", "function": "login", "lineno": 12, "inApp": true,
                                       "vars": { "api_key": "{{Secrets[3]}}", "attempt": 2 } } ] },
          "request": { "url": "https://shop.example.com/login?next=/cart&token={{Secrets[2]}}", "method": "POST",
                       "headers": { "Authorization": "Bearer {{Secrets[0]}}", "Accept": "text/html" },
                       "data": { "username": "ada", "password": "{{Secrets[1]}}" } }
        }
        """;

    [Fact]
    public async Task Post_EventWithSecrets_StoresNoneOfThem()
    {
        await using var app = await AlertsTestApp.StartAsync(roles: Roles.Collector);

        var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(EventWithSecrets));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = (await app.QueryAsync(db => db.Events.SingleAsync())).Payload;
        foreach (var secret in Secrets) Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        var e = JsonSerializer.Deserialize(stored, EventJsonContext.Default.EventPayload)!;
        Assert.Equal(EventScrubber.Substitute, e.Request!.Headers!["Authorization"]);
        Assert.Equal("text/html", e.Request.Headers["Accept"]);
        Assert.Equal($"https://shop.example.com/login?next=/cart&token={EventScrubber.Substitute}", e.Request.Url);
        Assert.Equal(EventScrubber.Substitute, e.Request.Data!.Value.GetProperty("password").GetString());
        Assert.Equal("ada", e.Request.Data.Value.GetProperty("username").GetString());
        Assert.Equal(EventScrubber.Substitute, e.Exception!.Frames![0].Vars!["api_key"].GetString());
        Assert.Equal(2, e.Exception.Frames[0].Vars!["attempt"].GetInt32());
    }

    /// <summary>Extra patterns configured, and whether a form field named "ssn" is hidden.</summary>
    public static TheoryData<string?, bool> SsnPatterns => new()
    {
        { "^ssn$", true },
        { null, false }, // Django's rule alone does not know the name
    };

    [Theory]
    [MemberData(nameof(SsnPatterns))]
    public async Task Post_FieldMatchingAnExtraPattern_IsStoredHidden(string? pattern, bool hidden)
    {
        var settings = pattern is null ? [] : new Dictionary<string, string> { ["Alerts:Scrubbing:ExtraFieldPatterns:0"] = pattern };
        await using var app = await AlertsTestApp.StartAsync(settings, Roles.Collector);
        var json = """
            { "kind": "error", "message": "Signup failed",
              "request": { "url": "https://shop.example.com/signup", "method": "POST", "data": { "ssn": "078-05-1120", "name": "Ada" } } }
            """;

        var response = await app.Client.SendAsync(AlertsTestApp.EventRequest(json));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = (await app.QueryAsync(db => db.Events.SingleAsync())).Payload;
        Assert.Equal(!hidden, stored.Contains("078-05-1120", StringComparison.Ordinal));
        Assert.Equal(hidden, stored.Contains($"\"ssn\":\"{EventScrubber.Substitute}\"", StringComparison.Ordinal));
        Assert.Contains("\"name\":\"Ada\"", stored, StringComparison.Ordinal);
    }
}
