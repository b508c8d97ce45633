namespace Alerts.Notifier.Mail;

public enum EmailBackend { Smtp, File, Console }

/// <summary>The <c>Alerts:Email</c> section, named after Django's EMAIL_* settings.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Alerts:Email";

    public EmailBackend Backend { get; set; } = EmailBackend.Smtp;
    public string Host { get; set; } = "localhost";
    public int Port { get; set; } = 25;
    public string HostUser { get; set; } = "";
    public string HostPassword { get; set; } = "";

    /// <summary>STARTTLS on a plain connection (EMAIL_USE_TLS).</summary>
    public bool UseTls { get; set; }

    /// <summary>Implicit TLS from the first byte (EMAIL_USE_SSL).</summary>
    public bool UseSsl { get; set; }

    public int TimeoutSeconds { get; set; } = 30;
    public string SslCertFile { get; set; } = "";
    public string SslKeyFile { get; set; } = "";

    /// <summary>Folder the File backend writes .eml files to (EMAIL_FILE_PATH).</summary>
    public string FilePath { get; set; } = "data/mail";

    /// <summary>PEM of a self-signed SMTP server certificate to trust besides the system's CAs (an internal relay).</summary>
    public string TrustedServerCertFile { get; set; } = "";

    internal static IEnumerable<string> Validate(EmailOptions o)
    {
        if (!Enum.IsDefined(o.Backend))
            yield return "Alerts:Email:Backend must be Smtp, File or Console.";
        if (o.UseTls && o.UseSsl)
            yield return "Alerts:Email:UseTls and Alerts:Email:UseSsl are mutually exclusive; set only one (STARTTLS or implicit TLS).";
        if (o.Backend != EmailBackend.Smtp)
        {
            if (o.Backend == EmailBackend.File && string.IsNullOrWhiteSpace(o.FilePath))
                yield return "Alerts:Email:FilePath is required with the File backend.";
            yield break;
        }
        if (string.IsNullOrWhiteSpace(o.Host))
            yield return "Alerts:Email:Host is required with the Smtp backend.";
        if (o.Port is < 1 or > 65535)
            yield return $"Alerts:Email:Port {o.Port} is not a TCP port (1-65535).";
        if (o.TimeoutSeconds is < 1 or > 3600)
            yield return $"Alerts:Email:TimeoutSeconds {o.TimeoutSeconds} must be between 1 and 3600.";
        if (o.HostPassword.Length > 0 && o.HostUser.Length == 0)
            yield return "Alerts:Email:HostPassword is set but Alerts:Email:HostUser is empty.";
        if ((o.SslCertFile.Length > 0) != (o.SslKeyFile.Length > 0))
            yield return "Alerts:Email:SslCertFile and Alerts:Email:SslKeyFile must be set together.";
        if (o.SslCertFile.Length > 0 && !File.Exists(o.SslCertFile))
            yield return $"Alerts:Email:SslCertFile '{o.SslCertFile}' does not exist.";
        if (o.TrustedServerCertFile.Length > 0 && !File.Exists(o.TrustedServerCertFile))
            yield return $"Alerts:Email:TrustedServerCertFile '{o.TrustedServerCertFile}' does not exist.";
        if (o.SslKeyFile.Length > 0 && !File.Exists(o.SslKeyFile))
            yield return $"Alerts:Email:SslKeyFile '{o.SslKeyFile}' does not exist.";
    }
}
