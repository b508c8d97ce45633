using System.Net;
using System.Text.RegularExpressions;
using Alerts.Dashboard.Accounts;
using Alerts.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Alerts.Dashboard.Tests;

/// <summary>A browser-like session with the Dashboard: a user, a cookie jar and the login form with its antiforgery token.</summary>
internal static partial class DashboardSession
{
    public const string Email = "ops@example.com";
    public const string Password = "correct horse battery";

    public static Task CreateUserAsync(AlertsTestApp app) =>
        app.Services.GetRequiredService<UserAccounts>().CreateOrUpdateAsync(Email, Password, CancellationToken.None);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, CookieContainer> Jars = new();

    /// <summary>Keeps cookies and follows redirects, as a browser does.</summary>
    public static HttpClient CookieClient(AlertsTestApp app)
    {
        var jar = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = true }) { BaseAddress = app.BaseAddress };
        Jars.Add(client, jar);
        return client;
    }

    /// <summary>The cookies a <see cref="CookieClient"/> holds.</summary>
    public static CookieContainer Cookies(HttpClient client) => Jars.TryGetValue(client, out var jar) ? jar : throw new ArgumentException("Not a cookie client.", nameof(client));

    /// <summary>Sees redirects instead of following them, and has no session.</summary>
    public static HttpClient AnonymousClient(AlertsTestApp app) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

    /// <summary>Fills in and posts the login form; returns the page the browser lands on.</summary>
    public static async Task<string> LoginAsync(HttpClient client, string password = Password)
    {
        var form = await client.GetStringAsync("/login");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = Email,
            ["Password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A new user, logged in.</summary>
    public static async Task<HttpClient> SignedInClientAsync(AlertsTestApp app)
    {
        await CreateUserAsync(app);
        var client = CookieClient(app);
        await LoginAsync(client);
        return client;
    }

    /// <summary>Posts a form of <paramref name="page"/> (the first whose opening tag contains <paramref name="marker"/>) as a browser would: to its action, with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> SubmitFormAsync(HttpClient client, string page, string marker)
    {
        var form = Forms().Matches(page).Select(m => m.Value).First(f => f[..f.IndexOf('>', StringComparison.Ordinal)].Contains(marker, StringComparison.Ordinal));
        var action = System.Net.WebUtility.HtmlDecode(FormAction().Match(form).Groups[1].Value);
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        return await client.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    internal static partial Regex AntiforgeryField();

    [GeneratedRegex("<form\\b.*?</form>", RegexOptions.Singleline)]
    private static partial Regex Forms();

    [GeneratedRegex("action=\"([^\"]*)\"")]
    private static partial Regex FormAction();
}
