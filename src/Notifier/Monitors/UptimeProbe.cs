using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Alerts.Core.Monitors;
using Alerts.Notifier.Crawler;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Notifier.Monitors;

/// <summary>
/// Root certificates trusted by uptime checks besides the system's (an internal CA); empty by default.
/// </summary>
public sealed class UptimeTrust
{
    public X509Certificate2Collection Roots { get; } = [];
}

/// <summary>
/// Makes one uptime request through the crawler's guarded handler (private addresses refused at connect time unless
/// <c>Alerts:Monitors:AllowPrivateTargets</c>, body read up to a cap), with the check's own timeout and redirect rule, and
/// notes the server certificate's expiry. Reports what it found; <see cref="UptimeRule"/> decides.
/// </summary>
public sealed class UptimeProbe(IOptions<MonitorsOptions> options, IHostEnvironment environment, UptimeTrust trust)
{
    private const int MaxHops = 10;

    private bool AllowPrivate => options.Value.AllowPrivateTargets ?? environment.IsDevelopment();

    public async Task<UptimeResponse> ProbeAsync(UptimeTarget target, CancellationToken ct)
    {
        DateTime? notAfter = null;
        var timeout = TimeSpan.FromSeconds(target.TimeoutSeconds);
        using var handler = CrawlHttp.CreateHandler(AllowPrivate, timeout);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (certificate is X509Certificate2 leaf) notAfter = leaf.NotAfter.ToUniversalTime();
            return errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && TrustedHere(certificate));
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(CrawlerOptions.UserAgent.Replace(CrawlerOptions.ProductToken, "AlertsUptime", StringComparison.Ordinal));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            var url = new Uri(target.Url);
            for (var hop = 0; ; hop++)
            {
                using var request = new HttpRequestMessage(target.Method == UptimeMethod.Head ? HttpMethod.Head : HttpMethod.Get, url);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                var status = (int)response.StatusCode;
                if (target.FollowRedirects && status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
                {
                    if (hop >= MaxHops) return new(null, null, notAfter, "too many redirects", watch.Elapsed.TotalSeconds);
                    url = location.IsAbsoluteUri ? location : new Uri(url, location);
                    if (url.Scheme is not ("http" or "https")) return new(null, null, notAfter, $"redirect to a {url.Scheme} URL", watch.Elapsed.TotalSeconds);
                    continue;
                }
                bool? found = null;
                if (target.Keyword is { } keyword && target.Method == UptimeMethod.Get)
                {
                    var (body, _) = await CrawlHttp.ReadCappedAsync(response, options.Value.MaxResponseBytes, deadline.Token);
                    found = body.Contains(keyword, StringComparison.Ordinal);
                }
                return new(status, found, notAfter, null, watch.Elapsed.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(null, null, notAfter, $"timed out after {target.TimeoutSeconds} s", watch.Elapsed.TotalSeconds);
        }
        catch (HttpRequestException ex)
        {
            return new(null, null, notAfter, Reason(ex), watch.Elapsed.TotalSeconds);
        }
        catch (IOException)
        {
            // The body broke off after the headers (a reset mid-response): a failed check, not a failed job.
            return new(null, null, notAfter, "connection failed: the response ended early", watch.Elapsed.TotalSeconds);
        }
    }

    /// <summary>Why no response came, in words that name no credentials (the URL is never part of it).</summary>
    private static string Reason(HttpRequestException ex) => ex.InnerException switch
    {
        PrivateTargetRefusedException => "refused: the host resolves to private addresses and Alerts:Monitors:AllowPrivateTargets is off",
        AuthenticationException => "TLS handshake failed: the certificate is not trusted or does not match the host",
        _ when ex.HttpRequestError != HttpRequestError.Unknown => $"connection failed: {ex.HttpRequestError}",
        _ => "connection failed",
    };

    private bool TrustedHere(X509Certificate? certificate)
    {
        if (trust.Roots.Count == 0 || certificate is not X509Certificate2 leaf) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
