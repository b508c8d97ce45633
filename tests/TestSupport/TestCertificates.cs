using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Alerts.TestSupport;

/// <summary>
/// A self-signed certificate for <c>CN=localhost</c> (SAN <c>DNS:localhost</c>, <c>IP:127.0.0.1</c>),
/// generated once per test run with <c>/usr/bin/openssl</c> into a temporary folder that is
/// removed when the test process exits.
/// </summary>
public static class TestCertificates
{
    private const string OpenSsl = "/usr/bin/openssl";

    private static readonly Lazy<Generated> Files = new(Generate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>PEM certificate file.</summary>
    public static string CertPath => Files.Value.CertPath;

    /// <summary>PEM private key file (unencrypted).</summary>
    public static string KeyPath => Files.Value.KeyPath;

    /// <summary>SHA-256 hash of the certificate, for pinning it in a validation callback.</summary>
    internal static string Sha256Thumbprint => Files.Value.Sha256Thumbprint;

    /// <summary>True when <paramref name="certificate"/> is this test certificate.</summary>
    internal static bool IsTestCertificate(X509Certificate? certificate) =>
        certificate is not null
        && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), Sha256Thumbprint, StringComparison.OrdinalIgnoreCase);

    private static Generated Generate()
    {
        if (!File.Exists(OpenSsl))
        {
            throw new InvalidOperationException($"{OpenSsl} is missing: run scripts/test.sh to install test dependencies.");
        }

        var dir = Directory.CreateTempSubdirectory("alerts-test-cert-").FullName;
        var cert = Path.Combine(dir, "localhost.crt");
        var key = Path.Combine(dir, "localhost.key");
        var psi = new ProcessStartInfo(OpenSsl)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "7",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key, "-out", cert,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {OpenSsl}."))
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{OpenSsl} req did not finish within 60 s.");
            }

            if (process.ExitCode != 0 || !File.Exists(cert) || !File.Exists(key))
            {
                throw new InvalidOperationException(
                    $"{OpenSsl} req failed with exit code {process.ExitCode}:{Environment.NewLine}{stdout.Result}{stderr.Result}");
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDeleteDirectory(dir);

        using var loaded = X509Certificate2.CreateFromPem(File.ReadAllText(cert));
        return new Generated(cert, key, loaded.GetCertHashString(HashAlgorithmName.SHA256));
    }

    internal static void TryDeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record Generated(string CertPath, string KeyPath, string Sha256Thumbprint);
}
