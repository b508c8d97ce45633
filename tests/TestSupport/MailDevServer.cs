using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Alerts.TestSupport;

/// <summary>
/// A MailDev 3 process (from <c>.tools/</c>, installed by <c>scripts/test.sh</c>) on free loopback ports:
/// plain SMTP, or implicit TLS (SMTPS) with <see cref="TestCertificates"/>, optionally with AUTH.
/// MailDev never offers STARTTLS. Mails are read back through its REST API.
/// </summary>
public sealed class MailDevServer : IMailbox, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess process;
    private readonly string workDir;
    private readonly HttpClient http;

    private MailDevServer(ChildProcess process, string workDir, int smtpPort, int webPort)
    {
        this.process = process;
        this.workDir = workDir;
        SmtpPort = smtpPort;
        WebPort = webPort;
        http = CreateHttpClient(webPort);
    }

    /// <summary>Path of the MailDev executable.</summary>
    public static string ExecutablePath => Path.Combine(RepoPaths.Root, ".tools", "node_modules", ".bin", "maildev");

    /// <summary>SMTP port on 127.0.0.1.</summary>
    public int SmtpPort { get; }

    /// <summary>Web UI / REST API port on 127.0.0.1.</summary>
    public int WebPort { get; }

    /// <summary>
    /// Starts MailDev. With <paramref name="implicitTls"/> the SMTP port speaks TLS from the first byte.
    /// With <paramref name="user"/> and <paramref name="password"/> it requires AUTH (PLAIN, LOGIN), over TLS
    /// or plain alike.
    /// </summary>
    public static async Task<MailDevServer> StartAsync(bool implicitTls = false, string? user = null, string? password = null)
    {
        if ((user is null) != (password is null))
        {
            throw new ArgumentException("Give both user and password, or neither.", nameof(user));
        }

        var executable = ExecutablePath;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"MailDev is not installed at {executable}: run scripts/test.sh to install test dependencies.");
        }

        var workDir = Directory.CreateTempSubdirectory("alerts-maildev-").FullName;
        var mailDir = Path.Combine(workDir, "mail");
        Directory.CreateDirectory(mailDir);
        try
        {
            using var probeHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var (child, ports) = await ChildProcess.StartServerAsync(
                "MailDev",
                () => (Smtp: FreePort.Next(), Web: FreePort.Next()),
                ports =>
                {
                    var args = new List<string>
                    {
                        "--smtp", ports.Smtp.ToString(CultureInfo.InvariantCulture),
                        "--web", ports.Web.ToString(CultureInfo.InvariantCulture),
                        "--ip", "127.0.0.1",
                        "--web-ip", "127.0.0.1",
                        // Own store: without it every MailDev writes its .eml files to /tmp/maildev.
                        "--mail-directory", mailDir,
                    };
                    if (implicitTls)
                    {
                        args.AddRange(["--incoming-secure", "--incoming-cert", TestCertificates.CertPath, "--incoming-key", TestCertificates.KeyPath]);
                    }

                    if (user is not null && password is not null)
                    {
                        args.AddRange(["--incoming-user", user, "--incoming-pass", password]);
                    }

                    // MailDev looks for .maildevrc.json etc. in its working directory and the parents.
                    return ChildProcess.Start(executable, args, workDir, new Dictionary<string, string> { ["NO_COLOR"] = "1" });
                },
                async ports => await ApiAnswersAsync(probeHttp, ports.Web) && await SmtpProbe.GreetsAsync(ports.Smtp, implicitTls),
                StartTimeout);
            return new MailDevServer(child, workDir, ports.Smtp, ports.Web);
        }
        catch
        {
            TestCertificates.TryDeleteDirectory(workDir);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReceivedMail>> GetMailsAsync()
    {
        using var listing = JsonDocument.Parse(await http.GetStringAsync("api/email"));
        var mails = new List<ReceivedMail>();
        foreach (var email in listing.RootElement.EnumerateArray())
        {
            var id = email.GetProperty("id").GetString();
            using var response = await http.GetAsync($"api/email/{Uri.EscapeDataString(id!)}/source");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue; // Listed but its source is not on disk yet (or just deleted).
            }

            response.EnsureSuccessStatusCode();
            mails.Add(MailboxSupport.Parse(await response.Content.ReadAsByteArrayAsync()));
        }

        return mails;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(int atLeast, TimeSpan timeout, Func<ReceivedMail, bool>? filter = null) =>
        MailboxSupport.WaitForMailsAsync(this, $"MailDev (SMTP 127.0.0.1:{SmtpPort})", atLeast, timeout, filter);

    /// <summary>Kills MailDev and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await process.DisposeAsync();
        TestCertificates.TryDeleteDirectory(workDir);
    }

    private static HttpClient CreateHttpClient(int webPort) => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}/"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static async Task<bool> ApiAnswersAsync(HttpClient client, int webPort)
    {
        try
        {
            using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{webPort}/api/email"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
