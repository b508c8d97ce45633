using Microsoft.AspNetCore.Http;

namespace Alerts.Collector.Sentry;

/// <summary>
/// Where a Sentry SDK puts its public key: the <c>X-Sentry-Auth</c> header (or <c>Authorization: Sentry ...</c>),
/// the <c>sentry_key</c> query parameter, or the envelope header's <c>dsn</c>. <c>sentry_secret</c> is accepted and
/// ignored, as Sentry does since DSNs lost their secret.
/// </summary>
internal static class SentryAuth
{
    public const string Header = "X-Sentry-Auth";

    /// <summary>The key from the request's headers or query; the envelope's DSN is the caller's fallback.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (KeyOfHeader(request.Headers[Header].ToString()) is { } fromHeader) return fromHeader;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Sentry ", StringComparison.OrdinalIgnoreCase) && KeyOfHeader(authorization) is { } fromAuthorization)
            return fromAuthorization;
        return request.Query["sentry_key"].ToString() is { Length: > 0 } fromQuery ? fromQuery.Trim() : null;
    }

    /// <summary>
    /// The <c>sentry_key</c> of an auth header: <c>Sentry sentry_version=7, sentry_client=x/1.0, sentry_key=KEY</c>.
    /// Names without the <c>sentry_</c> prefix and quoted values are read too, as Sentry's own parser does.
    /// </summary>
    public static string? KeyOfHeader(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var text = header.AsSpan().Trim();
        if (text.StartsWith("Sentry", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || char.IsWhiteSpace(text[6])))
            text = text[6..];
        foreach (var range in text.Split(','))
        {
            var part = text[range].Trim();
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var name = part[..eq].Trim();
            if (name.StartsWith("sentry_", StringComparison.OrdinalIgnoreCase)) name = name[7..];
            if (!name.Equals("key", StringComparison.OrdinalIgnoreCase)) continue;
            var value = part[(eq + 1)..].Trim().Trim('"').Trim();
            return value.IsEmpty ? null : value.ToString();
        }
        return null;
    }

    /// <summary>The public key and project id of a DSN, <c>https://KEY[:SECRET]@host[/path]/PROJECT_ID</c>; null if it is not one.</summary>
    public static (string Key, string ProjectId)? ParseDsn(string? dsn)
    {
        if (!Uri.TryCreate(dsn, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length == 0)
            return null;
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var key = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
        var projectId = uri.AbsolutePath.TrimEnd('/').Split('/')[^1];
        return key.Length == 0 || projectId.Length == 0 ? null : (key, projectId);
    }
}
