using Alerts.Client.AspNetCore;

namespace Alerts.Clients.Tests;

public class RequestCaptureTests
{
    /// <summary>Header names and whether Django's rule (plus AUTH and COOKIE) hides their values.</summary>
    [Theory]
    [InlineData("Authorization", true)]
    [InlineData("Cookie", true)]
    [InlineData("X-Api-Key", true)]
    [InlineData("X-Auth-Token", true)]
    [InlineData("X-Hub-Signature-256", true)]
    [InlineData("X-CSRF-TOKEN", true)]
    [InlineData("Proxy-Authorization", true)]
    [InlineData("Accept", false)]
    [InlineData("User-Agent", false)]
    [InlineData("Referer", false)]
    [InlineData("X-Forwarded-For", false)]
    public void ScrubHeaders_HidesValuesOfSensitiveNames(string name, bool hidden)
    {
        var headers = RequestCapture.ScrubHeaders([KeyValuePair.Create(name, "value-1")]);

        Assert.Equal(hidden ? "********************" : "value-1", headers[name]);
    }

    [Fact]
    public void ScrubHeaders_BoundsCountAndLength()
    {
        var many = Enumerable.Range(0, 500).Select(i => KeyValuePair.Create($"X-H{i}", new string('v', 10_000)));

        var headers = RequestCapture.ScrubHeaders(many);

        Assert.Equal(100, headers.Count);
        Assert.All(headers.Values, v => Assert.Equal(2048, v.Length));
    }
}
