using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Tests;

public class EventScrubberTests
{
    private const string Hidden = EventScrubber.Substitute;
    private static readonly Regex DjangoNames = EventScrubber.SensitiveNames([]);

    /// <summary>Names and whether Django's rule hides their values (a substring match, case-insensitive).</summary>
    public static TheoryData<string, bool> Names => new()
    {
        { "api_key", true },
        { "Authorization", true },
        { "csrftoken", true },
        { "password1", true },
        { "secret", true },
        { "X-Signature", true },
        { "HTTP_COOKIE", true },
        { "Auth_Token", true },
        // A substring rule hides innocent names too; Django does the same, and a hidden value beats a leaked one.
        { "passenger", true },
        { "monkey", true },
        // Django's regex does not name sessions: outside cookies (CookieNames) a session id is not hidden by name.
        { "sessionid", false },
        { "username", false },
        { "email", false },
        { "page", false },
    };

    /// <summary>Cookies: the names above, and every session or CSRF cookie whatever its name's other words.</summary>
    public static TheoryData<string, bool> CookieNames => new()
    {
        { "api_key", true },
        { "csrftoken", true },
        { "sessionid", true },
        { "PHPSESSID", true },
        { "JSESSIONID", true },
        { ".AspNetCore.Session", true },
        { "connect.sid", true },
        { "XSRF-TOKEN", true },
        { "csrf", true },
        { "theme", false },
        { "consider", false },
        { "django_language", false },
    };

    [Theory]
    [MemberData(nameof(CookieNames))]
    public void Scrub_CookieName_HidesTheValueOnlyWhenTheNameIsSensitive(string name, bool hidden)
    {
        var e = new EventPayload { Request = new RequestInfo { Cookies = new() { [name] = "value-1" } } };

        EventScrubber.Scrub(e, DjangoNames);

        Assert.Equal(hidden ? Hidden : "value-1", e.Request.Cookies[name]);
    }

    /// <summary>Event fragments as sent, and as stored after scrubbing ("[hidden]" stands for the 20 asterisks).</summary>
    private static readonly Dictionary<string, (string Sent, string Stored)> Places = new()
    {
        ["headers by name"] = (
            """{"request":{"headers":{"Authorization":"Bearer abc","Cookie":"sessionid=s1; csrftoken=c1","X-Api-Key":"k1","Accept":"text/html","User-Agent":"Mozilla/5.0"}}}""",
            """{"request":{"headers":{"Authorization":"[hidden]","Cookie":"[hidden]","X-Api-Key":"[hidden]","Accept":"text/html","User-Agent":"Mozilla/5.0"}}}"""),
        ["Referer header query"] = (
            """{"request":{"headers":{"Referer":"https://shop.example.com/login?next=/cart&token=abc"}}}""",
            """{"request":{"headers":{"Referer":"https://shop.example.com/login?next=/cart&token=[hidden]"}}}"""),
        ["cookies"] = (
            """{"request":{"cookies":{"csrftoken":"c1","sessionid":"s1","theme":"dark"}}}""",
            """{"request":{"cookies":{"csrftoken":"[hidden]","sessionid":"[hidden]","theme":"dark"}}}"""),
        ["URL query, path and fragment kept"] = (
            """{"request":{"url":"https://shop.example.com/reset/token/17?token=abc&page=2&Password=&flag#top"}}""",
            """{"request":{"url":"https://shop.example.com/reset/token/17?token=[hidden]&page=2&Password=[hidden]&flag#top"}}"""),
        ["URL query names percent- and plus-encoded"] = (
            """{"request":{"url":"/search?api%5Fkey=abc&access+token=def&q=a%26b"}}""",
            """{"request":{"url":"/search?api%5Fkey=[hidden]&access+token=[hidden]&q=a%26b"}}"""),
        ["'?' inside the fragment"] = (
            """{"request":{"url":"https://shop.example.com/app#/login?token=abc"}}""",
            """{"request":{"url":"https://shop.example.com/app#/login?token=abc"}}"""),
        ["referrer query"] = (
            """{"request":{"referrer":"https://mail.example.com/?auth=xyz&folder=inbox"}}""",
            """{"request":{"referrer":"https://mail.example.com/?auth=[hidden]&folder=inbox"}}"""),
        ["query string"] = (
            """{"request":{"queryString":"token=abc&page=2"}}""",
            """{"request":{"queryString":"token=[hidden]&page=2"}}"""),
        ["query string with '?'"] = (
            """{"request":{"queryString":"?page=2&signature=s"}}""",
            """{"request":{"queryString":"?page=2&signature=[hidden]"}}"""),
        ["form data, nested objects and arrays"] = (
            """{"request":{"data":{"username":"ada","password":"hunter2","card":{"number":"4111","api_key":"k"},"items":[{"token":"t","sku":"A-1"},7]}}}""",
            """{"request":{"data":{"username":"ada","password":"[hidden]","card":{"number":"4111","api_key":"[hidden]"},"items":[{"token":"[hidden]","sku":"A-1"},7]}}}"""),
        ["form data, a sensitive name over an object"] = (
            """{"request":{"data":{"auth":{"user":"ada","pw":"hunter2"},"next":"/"}}}""",
            """{"request":{"data":{"auth":"[hidden]","next":"/"}}}"""),
        ["form data as a raw urlencoded string"] = (
            """{"request":{"data":"username=ada&password=hunter2"}}""",
            """{"request":{"data":"username=ada&password=[hidden]"}}"""),
        ["frame variables, nested"] = (
            """{"exception":{"type":"E","frames":[{"function":"f","vars":{"order_id":17,"secret_key":"s","request":{"META":{"HTTP_AUTHORIZATION":"Basic x","PATH_INFO":"/"}}}}]}}""",
            """{"exception":{"type":"E","frames":[{"function":"f","vars":{"order_id":17,"secret_key":"[hidden]","request":{"META":{"HTTP_AUTHORIZATION":"[hidden]","PATH_INFO":"/"}}}}]}}"""),
        ["user fields"] = (
            """{"user":{"id":5,"username":"ada","password":"pbkdf2_sha256$x"}}""",
            """{"user":{"id":5,"username":"ada","password":"[hidden]"}}"""),
        ["tags kept"] = (
            """{"tags":{"auth_backend":"ldap","api_version":"2"}}""",
            """{"tags":{"auth_backend":"ldap","api_version":"2"}}"""),
    };

    public static TheoryData<string> PlaceNames => [.. Places.Keys];

    [Theory]
    [MemberData(nameof(PlaceNames))]
    public void Scrub_EventWithSecrets_HidesTheSensitiveValuesAndKeepsTheRest(string place)
    {
        var (sent, stored) = Places[place];
        var e = Parse(sent);

        EventScrubber.Scrub(e, DjangoNames);

        Assert.Equal(Serialize(Parse(stored.Replace("[hidden]", Hidden, StringComparison.Ordinal))), Serialize(e));
    }

    [Fact]
    public void Scrub_EventWithoutSecrets_IsStoredAsSent()
    {
        var sent = Serialize(Parse(SampleEvents.Error()));
        var e = Parse(sent);

        EventScrubber.Scrub(e, DjangoNames);

        Assert.Equal(sent, Serialize(e));
    }

    /// <summary>Extra patterns, a field name, and whether its value is hidden.</summary>
    public static TheoryData<string[], string, bool> ExtraPatterns => new()
    {
        { ["^ssn$"], "ssn", true },
        { ["^ssn$"], "SSN", true },
        { ["^ssn$"], "ssn_last4", false },
        { ["^ssn$", "iban"], "customer_iban", true },
        { ["^ssn$"], "password", true },
        { [], "ssn", false },
    };

    [Theory]
    [MemberData(nameof(ExtraPatterns))]
    public void Scrub_ExtraPatterns_HideMoreNamesBesidesDjangos(string[] patterns, string name, bool hidden)
    {
        var e = new EventPayload { Request = new RequestInfo { Data = JsonElement.Parse($$"""{"{{name}}":"078-05-1120"}""") } };

        EventScrubber.Scrub(e, new ScrubbingOptions { ExtraFieldPatterns = [.. patterns] }.SensitiveNames());

        Assert.Equal(hidden ? Hidden : "078-05-1120", e.Request!.Data!.Value.GetProperty(name).GetString());
    }

    [Fact]
    public void Scrub_NameWhoseMatchTimesOut_IsHidden()
    {
        var catastrophic = EventScrubber.SensitiveNames(["^(a|aa)+$"]);
        var e = new EventPayload { Request = new RequestInfo { Cookies = new() { [new string('a', 64) + "!"] = "value-1" } } };

        EventScrubber.Scrub(e, catastrophic);

        Assert.Equal(Hidden, Assert.Single(e.Request.Cookies).Value);
    }

    /// <summary>Bad ExtraFieldPatterns and the key the start-up message must name.</summary>
    public static TheoryData<string[], string> BadPatterns => new()
    {
        { ["^ssn$", "(unclosed"], "Alerts:Scrubbing:ExtraFieldPatterns:1" },
        { [""], "Alerts:Scrubbing:ExtraFieldPatterns:0" },
    };

    [Theory]
    [MemberData(nameof(BadPatterns))]
    public void Startup_BadExtraPattern_FailsNamingItsIndex(string[] patterns, string key)
    {
        var settings = patterns.Select((p, i) => KeyValuePair.Create($"Alerts:Scrubbing:ExtraFieldPatterns:{i}", (string?)p));
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddAlertsOptions()
            .BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ScrubbingOptions>>().Value);

        Assert.Contains(key, Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    private static EventPayload Parse(string json) =>
        JsonSerializer.Deserialize(json, EventJsonContext.Default.EventPayload) ?? throw new InvalidOperationException("empty payload");

    private static string Serialize(EventPayload e) => JsonSerializer.Serialize(e, EventJsonContext.Default.EventPayload);
}
