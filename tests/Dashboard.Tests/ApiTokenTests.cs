using System.Net;
using System.Net.Http.Headers;
using Alerts.Core.Data;
using Alerts.Dashboard.Accounts;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

/// <summary>API tokens: the /tokens page, revocation, and the record of their last use.</summary>
public sealed class ApiTokenTests : IAsyncLifetime
{
    // Several lookup lifetimes: long enough for a loaded machine, short enough that "within seconds" means something.
    private static readonly TimeSpan RevocationTimeout = ApiTokens.LookupTtl * 4;

    private AlertsTestApp _app = null!;

    public async Task InitializeAsync() => _app = await AlertsTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private ApiTokens Tokens => _app.Services.GetRequiredService<ApiTokens>();

    [Fact]
    public async Task TokensPage_ShowsNameAndLastUse_NeverTheToken()
    {
        var token = await Tokens.CreateAsync("nightly-report", CancellationToken.None);
        var unused = await Tokens.CreateAsync("never-used", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, await IncidentsStatusAsync(token));
        using var client = await DashboardSession.SignedInClientAsync(_app);

        var page = await client.GetStringAsync("/tokens");

        Assert.Contains("href=\"/tokens\"", page, StringComparison.Ordinal);
        Assert.Contains("nightly-report", page, StringComparison.Ordinal);
        Assert.DoesNotContain(token, page, StringComparison.Ordinal);
        Assert.DoesNotContain(unused, page, StringComparison.Ordinal);
        var used = await _app.QueryAsync(db => db.ApiTokens.SingleAsync(t => t.Name == "nightly-report"));
        Assert.Contains(Pages.IncidentModel.Utc(used.LastUsedAt!.Value), page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"muted\">never</span>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensPage_Revoke_RemovesTheTokenAndTheApiRefusesIt()
    {
        var token = await Tokens.CreateAsync("old-script", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, await IncidentsStatusAsync(token));
        var id = await _app.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "old-script").Select(t => t.Id).SingleAsync());
        using var client = await DashboardSession.SignedInClientAsync(_app);

        var response = await DashboardSession.SubmitFormAsync(client, await client.GetStringAsync("/tokens"), $"tokenId={id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("old-script", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await WaitUntilRefusedAsync(token);
    }

    [Fact]
    public async Task RevokedToken_ByAnotherProcess_IsRefusedWithinSeconds()
    {
        var token = await Tokens.CreateAsync("ci", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, await IncidentsStatusAsync(token));

        // Another process (the CLI, another dashboard node) has its own cache: only the lookup lifetime bounds it.
        var elsewhere = new ApiTokens(_app.Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>(), TimeProvider.System);
        var (outcome, _) = await elsewhere.RevokeAsync("ci", CancellationToken.None);

        Assert.Equal(ApiTokens.RevokeOutcome.Revoked, outcome);
        await WaitUntilRefusedAsync(token);
    }

    [Fact]
    public async Task Revoke_NameOfTwoTokens_RevokesNeither()
    {
        await Tokens.CreateAsync("deploy", CancellationToken.None);
        await Tokens.CreateAsync("deploy", CancellationToken.None);

        var (outcome, matches) = await Tokens.RevokeAsync("deploy", CancellationToken.None);

        Assert.Equal(ApiTokens.RevokeOutcome.Ambiguous, outcome);
        Assert.Equal(2, matches.Count);
        Assert.Equal(2, (await Tokens.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task LastUsedAt_BusyToken_IsWrittenAtMostOnceAMinute()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var tokens = new ApiTokens(_app.Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>(), clock);
        var token = await tokens.CreateAsync("busy", CancellationToken.None);
        var first = clock.GetUtcNow().UtcDateTime;

        Assert.Equal("busy", await tokens.AuthenticateAsync(token, CancellationToken.None));
        Assert.Equal(first, await LastUsedAsync());

        // Requests through the next minute, past several lookup lifetimes (so the row is read again): no write.
        for (var i = 0; i < 12; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(4.9));
            Assert.Equal("busy", await tokens.AuthenticateAsync(token, CancellationToken.None));
        }
        Assert.Equal(first, await LastUsedAsync());

        clock.Advance(TimeSpan.FromSeconds(2));
        await tokens.AuthenticateAsync(token, CancellationToken.None);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, await LastUsedAsync());

        Task<DateTime?> LastUsedAsync() => _app.QueryAsync(db => db.ApiTokens.Where(t => t.Name == "busy").Select(t => t.LastUsedAt).SingleAsync());
    }

    private async Task<HttpStatusCode> IncidentsStatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/incidents");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _app.Client.SendAsync(request);
        return response.StatusCode;
    }

    private Task WaitUntilRefusedAsync(string token) =>
        Wait.UntilAsync(async () => await IncidentsStatusAsync(token) == HttpStatusCode.Unauthorized, RevocationTimeout, "the revoked token to be refused with 401");

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
