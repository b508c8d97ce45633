using System.Security.Cryptography.X509Certificates;

namespace Alerts.Core.Options;

/// <summary>
/// The <c>Alerts:Dashboard:KeyRing</c> section. The key ring that signs login cookies, antiforgery tokens and mail action links lives in the
/// database; with a certificate it is encrypted there, so a copy of the database alone cannot forge a session.
/// </summary>
public sealed class KeyRingOptions
{
    public const string SectionName = "Alerts:Dashboard:KeyRing";

    /// <summary>A certificate with its private key (PKCS#12 <c>.pfx</c>, or PEM with <see cref="KeyFile"/>) that encrypts the key ring at rest.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The PKCS#12 file's password, or the PEM key's when it is encrypted.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>The private key in PEM, when the certificate file is PEM.</summary>
    public string KeyFile { get; set; } = "";

    public bool ProtectsKeys => CertificateFile.Length > 0;

    /// <summary>The certificate, loaded from its files; call only when <see cref="ProtectsKeys"/>.</summary>
    public X509Certificate2 LoadCertificate()
    {
        var password = CertificatePassword.Length > 0 ? CertificatePassword : null;
        if (KeyFile.Length == 0) return X509CertificateLoader.LoadPkcs12FromFile(CertificateFile, password);
        return password is null
            ? X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(CertificateFile, password, KeyFile);
    }

    internal static IEnumerable<string> Validate(KeyRingOptions o)
    {
        if (!o.ProtectsKeys)
        {
            if (o.KeyFile.Length > 0)
                yield return "Alerts:Dashboard:KeyRing:KeyFile is set without Alerts:Dashboard:KeyRing:CertificateFile.";
            yield break;
        }
        string? error = null;
        try
        {
            using var certificate = o.LoadCertificate();
            if (!certificate.HasPrivateKey) error = "has no private key";
            else if (certificate.GetRSAPrivateKey() is not { } rsa) error = "is not an RSA certificate (key encryption needs RSA)";
            else rsa.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            error = $"cannot be read: {ex.Message}";
        }
        if (error is not null) yield return $"Alerts:Dashboard:KeyRing:CertificateFile '{o.CertificateFile}' {error}.";
    }
}
