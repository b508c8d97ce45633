using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace Alerts.Client.AspNetCore;

/// <summary>
/// What an event says about the request, read on the request's thread (the context is gone once it ends). Header values
/// whose names match Django's SafeExceptionReporterFilter rule are replaced before they leave the process.
/// </summary>
internal static partial class RequestCapture
{
    /// <summary>Django's <c>cleansed_substitute</c>.</summary>
    public const string Substitute = "********************";

    private const int MaxHeaders = 100;
    private const int MaxHeaderValue = 2048;

    public static NativeRequest From(HttpContext context)
    {
        var request = context.Request;
        return new NativeRequest
        {
            Url = request.GetDisplayUrl(),
            Method = request.Method,
            Referrer = NullIfEmpty(request.Headers.Referer.ToString()),
            UserAgent = NullIfEmpty(request.Headers.UserAgent.ToString()),
            RemoteAddr = RemoteAddress(context.Connection.RemoteIpAddress),
            Headers = ScrubHeaders(request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()))),
        };
    }

    /// <summary>Headers by name, with the values of sensitive ones (Authorization, Cookie, X-Api-Key, ...) replaced.</summary>
    public static Dictionary<string, string> ScrubHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var scrubbed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (scrubbed.Count == MaxHeaders) break;
            scrubbed[name] = IsSensitive(name) ? Substitute
                : value.Length > MaxHeaderValue ? value[..MaxHeaderValue] : value;
        }

        return scrubbed;
    }

    /// <summary>Django's <c>hidden_settings</c> rule plus AUTH and COOKIE: a case-insensitive substring match on the name.</summary>
    public static bool IsSensitive(string name) => SensitiveName().IsMatch(name);

    [GeneratedRegex("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SensitiveName();

    private static string? RemoteAddress(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
