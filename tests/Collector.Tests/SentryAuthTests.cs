using Alerts.Collector.Sentry;
using Microsoft.AspNetCore.Http;

namespace Alerts.Collector.Tests;

public sealed class SentryAuthTests
{
    public static TheoryData<string?, string?> AuthHeaders => new()
    {
        { "Sentry sentry_version=7, sentry_client=sentry.python/2.19.0, sentry_key=abc123", "abc123" },
        { "Sentry sentry_version=7,sentry_client=sentry.dotnet/6.12.1,sentry_key=abc123", "abc123" },
        { "Sentry sentry_key=abc123, sentry_secret=s3cret, sentry_version=7", "abc123" },
        { "sentry sentry_key = abc123 ", "abc123" },
        { "Sentry sentry_key=\"abc123\"", "abc123" },
        { "Sentry key=abc123", "abc123" },
        { "sentry_key=abc123", "abc123" },
        { "Sentry sentry_version=7, sentry_secret=s3cret", null },
        { "Sentry sentry_key=", null },
        { "Sentry", null },
        { "", null },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(AuthHeaders))]
    public void KeyOfHeader_ReadsTheSentryKey(string? header, string? key) =>
        Assert.Equal(key, SentryAuth.KeyOfHeader(header));

    public static TheoryData<string, string?, string?> Dsns => new()
    {
        { "http://abc123@127.0.0.1:5000/1", "abc123", "1" },
        { "https://abc123@alerts.example.com/42", "abc123", "42" },
        { "https://abc123:s3cret@alerts.example.com/42", "abc123", "42" },
        { "https://abc123@alerts.example.com/sentry/7/", "abc123", "7" },
        { "https://alerts.example.com/42", null, null },
        { "ftp://abc123@alerts.example.com/42", null, null },
        { "not a dsn", null, null },
    };

    [Theory]
    [MemberData(nameof(Dsns))]
    public void ParseDsn_ReadsKeyAndProject(string dsn, string? key, string? projectId)
    {
        var parsed = SentryAuth.ParseDsn(dsn);

        Assert.Equal(key, parsed?.Key);
        Assert.Equal(projectId, parsed?.ProjectId);
    }

    [Theory]
    [InlineData("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key=fromheader", "", "fromheader")]
    [InlineData("Authorization", "Sentry sentry_version=7, sentry_key=fromauthorization", "", "fromauthorization")]
    [InlineData("Authorization", "Bearer not-a-sentry-key", "", null)]
    [InlineData("", "", "?sentry_version=7&sentry_key=fromquery", "fromquery")]
    [InlineData("X-Sentry-Auth", "Sentry sentry_key=fromheader", "?sentry_key=fromquery", "fromheader")]
    public void KeyOf_Request_LooksInHeaderThenQuery(string header, string value, string query, string? key)
    {
        var http = new DefaultHttpContext();
        if (header.Length > 0) http.Request.Headers[header] = value;
        http.Request.QueryString = new QueryString(query);

        Assert.Equal(key, SentryAuth.KeyOf(http.Request));
    }
}
