using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Alerts.Client.AspNetCore;

/// <summary>Where events are posted: the native API URL of the service and the project key that authenticates them.</summary>
public sealed record AlertsTarget(Uri EventsUrl, string Key)
{
    private const string EventsPath = "api/v1/events";

    /// <summary>The target the options name; call on validated options only.</summary>
    public static AlertsTarget From(AlertsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Dsn))
        {
            return TryParseDsn(options.Dsn, out var target, out var error)
                ? target
                : throw new InvalidOperationException($"Alerts:Dsn is not valid: {error}");
        }

        if (options.Endpoint is null || string.IsNullOrWhiteSpace(options.Key))
            throw new InvalidOperationException("Set Alerts:Dsn, or Alerts:Endpoint with Alerts:Key.");
        return new AlertsTarget(EventsUrlUnder(options.Endpoint), options.Key.Trim());
    }

    /// <summary>
    /// Reads a Sentry-style DSN, <c>http(s)://KEY@host[:port][/prefix]/PROJECTID</c>: the native API sits at
    /// <c>[/prefix]/api/v1/events</c> on the same host. The project id is checked, not sent: the key names the project.
    /// </summary>
    public static bool TryParseDsn(string dsn, [NotNullWhen(true)] out AlertsTarget? target, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(dsn);
        target = null;
        if (!Uri.TryCreate(dsn.Trim(), UriKind.Absolute, out var uri) || !IsHttpUrl(uri))
        {
            error = "it is not an absolute http(s) URL.";
            return false;
        }

        // A Sentry DSN may carry "public:secret" as its user info; the key is the public part.
        var key = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        if (key.Length == 0)
        {
            error = "the project key (before '@') is missing.";
            return false;
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        var slash = path.LastIndexOf('/');
        var projectId = path[(slash + 1)..];
        if (projectId.Length == 0 || !long.TryParse(projectId, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            error = "the numeric project id (the last path segment) is missing.";
            return false;
        }

        var baseUrl = new UriBuilder(uri.Scheme, uri.Host, uri.Port, path[..(slash + 1)]).Uri;
        target = new AlertsTarget(new Uri(baseUrl, EventsPath), key);
        error = null;
        return true;
    }

    internal static bool IsHttpUrl(Uri uri) =>
        uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>The events URL under a base URL; a URL that already ends in <c>/api/v1/events</c> is taken as it is.</summary>
    internal static Uri EventsUrlUnder(Uri endpoint)
    {
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/" + EventsPath, StringComparison.OrdinalIgnoreCase))
            return endpoint;
        return new Uri(new UriBuilder(endpoint.Scheme, endpoint.Host, endpoint.Port, path + "/").Uri, EventsPath);
    }
}
