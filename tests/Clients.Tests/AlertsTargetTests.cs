using Alerts.Client.AspNetCore;

namespace Alerts.Clients.Tests;

public class AlertsTargetTests
{
    public static TheoryData<string, string, string> ValidDsns => new()
    {
        { "http://testkey@127.0.0.1:5000/1", "http://127.0.0.1:5000/api/v1/events", "testkey" },
        { "https://shop-0123@alerts.example.com/42", "https://alerts.example.com/api/v1/events", "shop-0123" },
        // Sentry's "public:secret" form: the public part is the key.
        { "https://pub:secret@alerts.example.com/7", "https://alerts.example.com/api/v1/events", "pub" },
        // Behind a reverse proxy under a path prefix.
        { "https://k@example.com/alerts/3/", "https://example.com/alerts/api/v1/events", "k" },
    };

    [Theory]
    [MemberData(nameof(ValidDsns))]
    public void TryParseDsn_Valid_GivesEventsUrlAndKey(string dsn, string eventsUrl, string key)
    {
        Assert.True(AlertsTarget.TryParseDsn(dsn, out var target, out var error), error);
        Assert.Equal(new AlertsTarget(new Uri(eventsUrl), key), target);
    }

    [Theory]
    [InlineData("not a url", "http(s)")]
    [InlineData("ftp://k@host/1", "http(s)")]
    [InlineData("http://host:5000/1", "key")]
    [InlineData("http://k@host:5000/", "project id")]
    [InlineData("http://k@host:5000/shop", "project id")]
    public void TryParseDsn_Invalid_SaysWhatIsWrong(string dsn, string reason)
    {
        Assert.False(AlertsTarget.TryParseDsn(dsn, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://alerts.example.com", "https://alerts.example.com/api/v1/events")]
    [InlineData("https://alerts.example.com/", "https://alerts.example.com/api/v1/events")]
    [InlineData("http://10.0.0.5:8080/alerts/", "http://10.0.0.5:8080/alerts/api/v1/events")]
    [InlineData("https://alerts.example.com/api/v1/events", "https://alerts.example.com/api/v1/events")]
    public void From_EndpointAndKey_PostsUnderTheEndpoint(string endpoint, string eventsUrl)
    {
        var target = AlertsTarget.From(new AlertsClientOptions { Endpoint = new Uri(endpoint), Key = " k1 " });

        Assert.Equal(new AlertsTarget(new Uri(eventsUrl), "k1"), target);
    }
}

public class AlertsClientOptionsTests
{
    public static TheoryData<string, AlertsClientOptions, string?> Cases => new()
    {
        { "a DSN", new AlertsClientOptions { Dsn = "http://k@localhost:5000/1" }, null },
        { "endpoint and key", new AlertsClientOptions { Endpoint = new Uri("http://localhost:5000"), Key = "k" }, null },
        { "reporting off", new AlertsClientOptions { Enabled = false }, null },
        { "nothing", new AlertsClientOptions(), "Alerts:Dsn is required" },
        { "both", new AlertsClientOptions { Dsn = "http://k@localhost/1", Endpoint = new Uri("http://localhost") }, "not both" },
        { "a DSN without project", new AlertsClientOptions { Dsn = "http://k@localhost/" }, "Alerts:Dsn must look like" },
        { "endpoint without key", new AlertsClientOptions { Endpoint = new Uri("http://localhost") }, "Alerts:Key is required" },
        { "no queue", new AlertsClientOptions { Dsn = "http://k@localhost/1", QueueCapacity = 0 }, "Alerts:QueueCapacity" },
        { "no timeout", new AlertsClientOptions { Dsn = "http://k@localhost/1", SendTimeout = TimeSpan.Zero }, "Alerts:SendTimeout" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_NamesTheKeyThatIsWrong(string situation, AlertsClientOptions options, string? error)
    {
        var errors = AlertsClientOptions.Validate(options).ToList();

        if (error is null) Assert.True(errors.Count == 0, $"{situation}: {string.Join(" ", errors)}");
        else Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
    }
}
