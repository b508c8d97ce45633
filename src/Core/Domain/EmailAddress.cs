using System.Net.Mail;

namespace Alerts.Core;

public static class EmailAddress
{
    public static bool IsValid(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.IndexOfAny(['\r', '\n']) < 0
        && MailAddress.TryCreate(value, out var parsed) && parsed.Address == value.Trim();
}

public static class ProjectKeyFormat
{
    public static bool IsValid(string? key) =>
        key is { Length: >= 16 and <= 64 } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>A new random key: 32 hex characters, like a Sentry public key.</summary>
    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>A Sentry-style DSN for a project key: scheme://key@host/projectId.</summary>
    public static string Dsn(string baseUrl, string key, long projectId)
    {
        var uri = new Uri(baseUrl.TrimEnd('/') + "/");
        return $"{uri.Scheme}://{key}@{uri.Authority}{uri.AbsolutePath}{projectId}";
    }
}
