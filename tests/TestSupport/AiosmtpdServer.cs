using System.Globalization;

namespace Alerts.TestSupport;

/// <summary>
/// An aiosmtpd process (Debian's <c>python3-aiosmtpd</c>, for <c>/usr/bin/python3</c>) on a free loopback
/// port, storing mail in a maildir that is read back with MimeKit. Serves plain SMTP, STARTTLS or implicit
/// TLS (SMTPS) with <see cref="TestCertificates"/>. Its Mailbox handler adds X-Peer, X-MailFrom and
/// X-RcptTo headers (the envelope) to every stored mail.
/// </summary>
public sealed class AiosmtpdServer : IMailbox, IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess process;
    private readonly string workDir;
    private readonly string mailDir;

    private AiosmtpdServer(ChildProcess process, string workDir, string mailDir, int port)
    {
        this.process = process;
        this.workDir = workDir;
        this.mailDir = mailDir;
        Port = port;
    }

    /// <summary>SMTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts aiosmtpd. <paramref name="startTls"/>: STARTTLS is offered and, when
    /// <paramref name="requireStartTls"/> (aiosmtpd's default), required before MAIL. <paramref name="implicitTls"/>:
    /// the port speaks TLS from the first byte (SMTPS) and <paramref name="startTls"/> is ignored.
    /// Neither: plain SMTP.
    /// </summary>
    public static async Task<AiosmtpdServer> StartAsync(bool startTls = true, bool implicitTls = false, bool requireStartTls = true)
    {
        var workDir = Directory.CreateTempSubdirectory("alerts-aiosmtpd-").FullName;
        var mailDir = Path.Combine(workDir, "maildir");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(mailDir, sub));
        }

        try
        {
            var (child, port) = await ChildProcess.StartServerAsync(
                "aiosmtpd",
                FreePort.Next,
                port =>
                {
                    var args = new List<string>
                    {
                        "-m", "aiosmtpd", "-n",
                        "-l", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                    };
                    if (implicitTls)
                    {
                        args.AddRange(["--smtpscert", TestCertificates.CertPath, "--smtpskey", TestCertificates.KeyPath]);
                    }
                    else if (startTls)
                    {
                        args.AddRange(["--tlscert", TestCertificates.CertPath, "--tlskey", TestCertificates.KeyPath]);
                        if (!requireStartTls)
                        {
                            args.Add("--no-requiretls");
                        }
                    }

                    args.AddRange(["-c", "aiosmtpd.handlers.Mailbox", mailDir]);
                    return ChildProcess.Start(Python, args, workDir, new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" });
                },
                port => SmtpProbe.GreetsAsync(port, implicitTls),
                StartTimeout);
            return new AiosmtpdServer(child, workDir, mailDir, port);
        }
        catch (InvalidOperationException ex) when (!File.Exists(Python))
        {
            TestCertificates.TryDeleteDirectory(workDir);
            throw new InvalidOperationException($"{Python} is missing: run scripts/test.sh to install test dependencies.", ex);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("No module named aiosmtpd", StringComparison.Ordinal))
        {
            TestCertificates.TryDeleteDirectory(workDir);
            throw new InvalidOperationException($"python3-aiosmtpd is not installed: run scripts/test.sh to install test dependencies.{Environment.NewLine}{ex.Message}", ex);
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
        // Python's mailbox writes into tmp/ and renames into new/, so a file seen there is complete.
        var files = new[] { "new", "cur" }
            .SelectMany(sub => new DirectoryInfo(Path.Combine(mailDir, sub)).EnumerateFiles())
            .OrderBy(file => file.LastWriteTimeUtc)
            .ThenBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
        var mails = new List<ReceivedMail>(files.Count);
        foreach (var file in files)
        {
            byte[] raw;
            try
            {
                raw = await File.ReadAllBytesAsync(file.FullName);
            }
            catch (FileNotFoundException)
            {
                continue; // Moved from new/ to cur/ meanwhile; picked up on the next call.
            }

            mails.Add(MailboxSupport.Parse(raw));
        }

        return mails;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(int atLeast, TimeSpan timeout, Func<ReceivedMail, bool>? filter = null) =>
        MailboxSupport.WaitForMailsAsync(this, $"aiosmtpd (127.0.0.1:{Port})", atLeast, timeout, filter);

    /// <summary>Kills aiosmtpd and deletes its maildir.</summary>
    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        TestCertificates.TryDeleteDirectory(workDir);
    }
}
