using System.Globalization;
using System.Text.Json;

namespace Alerts.TestSupport;

/// <summary>
/// An aiosmtpd process (Debian's <c>python3-aiosmtpd</c>, for <c>/usr/bin/python3</c>) on a free loopback
/// port, storing mail in a maildir that is read back with MimeKit. Serves plain SMTP, STARTTLS or implicit
/// TLS (SMTPS) with <see cref="TestCertificates"/>. Its Mailbox handler adds X-Peer, X-MailFrom and
/// X-RcptTo headers (the envelope) to every stored mail. Its reply to DATA can be scripted (a 550 or a
/// 451 for the first N messages) through the handler in <c>alerts_smtpd.py</c>.
/// </summary>
public sealed class AiosmtpdServer : IMailbox, IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private const string HandlerModule = "alerts_smtpd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly ChildProcess process;
    private readonly string workDir;
    private readonly string mailDir;
    private readonly string dataLog;

    private AiosmtpdServer(ChildProcess process, string workDir, string mailDir, string dataLog, int port)
    {
        this.process = process;
        this.workDir = workDir;
        this.mailDir = mailDir;
        this.dataLog = dataLog;
        Port = port;
    }

    /// <summary>SMTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts aiosmtpd. <paramref name="startTls"/>: STARTTLS is offered and, when
    /// <paramref name="requireStartTls"/> (aiosmtpd's default), required before MAIL. <paramref name="implicitTls"/>:
    /// the port speaks TLS from the first byte (SMTPS) and <paramref name="startTls"/> is ignored.
    /// Neither: plain SMTP. <paramref name="dataReply"/> (e.g. <c>550 5.7.1 Rejected by policy</c>): the reply to
    /// DATA for the first <paramref name="replyTimes"/> messages (all of them by default); later ones are
    /// accepted. <paramref name="port"/>: listen there instead of on a free port of aiosmtpd's choosing.
    /// </summary>
    public static Task<AiosmtpdServer> StartAsync(
        bool startTls = true,
        bool implicitTls = false,
        bool requireStartTls = true,
        string? dataReply = null,
        int replyTimes = int.MaxValue,
        int? port = null) =>
        StartAsync(
            dataReply is null ? [] : [new DataReplyStep(dataReply, replyTimes)],
            startTls,
            implicitTls,
            requireStartTls,
            port);

    /// <summary>
    /// Starts aiosmtpd answering DATA by a script: each step answers its reply to the next
    /// <see cref="DataReplyStep.Times"/> messages, in order; once the script is used up, messages are accepted.
    /// Only accepted messages reach the maildir; every DATA is recorded (see <see cref="GetDataAttemptsAsync"/>).
    /// </summary>
    public static async Task<AiosmtpdServer> StartAsync(
        IReadOnlyList<DataReplyStep> dataReplies,
        bool startTls = true,
        bool implicitTls = false,
        bool requireStartTls = true,
        int? port = null)
    {
        ArgumentNullException.ThrowIfNull(dataReplies);
        var handlerDir = AppContext.BaseDirectory;
        if (!File.Exists(Path.Combine(handlerDir, HandlerModule + ".py")))
        {
            throw new InvalidOperationException(
                $"{HandlerModule}.py is not next to the test assembly in {handlerDir}: is it still copied by Alerts.TestSupport.csproj?");
        }

        var workDir = Directory.CreateTempSubdirectory("alerts-aiosmtpd-").FullName;
        var mailDir = Path.Combine(workDir, "maildir");
        var dataLog = Path.Combine(workDir, "data.jsonl");
        foreach (var sub in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(mailDir, sub));
        }

        try
        {
            var (child, listening) = await ChildProcess.StartServerAsync(
                "aiosmtpd",
                () => port ?? FreePort.Next(),
                chosen =>
                {
                    var args = new List<string>
                    {
                        "-m", "aiosmtpd", "-n",
                        "-l", $"127.0.0.1:{chosen.ToString(CultureInfo.InvariantCulture)}",
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

                    args.AddRange(["-c", HandlerModule + ".ScriptedMailbox", mailDir, dataLog]);
                    foreach (var step in dataReplies)
                    {
                        args.Add(step.Reply);
                        args.Add(step.Times == int.MaxValue ? "always" : step.Times.ToString(CultureInfo.InvariantCulture));
                    }

                    return ChildProcess.Start(Python, args, workDir, new Dictionary<string, string>
                    {
                        ["PYTHONUNBUFFERED"] = "1",
                        ["PYTHONDONTWRITEBYTECODE"] = "1",
                        ["PYTHONPATH"] = handlerDir,
                    });
                },
                chosen => SmtpProbe.GreetsAsync(chosen, implicitTls),
                StartTimeout);
            return new AiosmtpdServer(child, workDir, mailDir, dataLog, listening);
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

    /// <summary>
    /// Every DATA the server answered so far, in order, refused ones included: which message (by Message-ID
    /// and Subject), over which connection (<see cref="SmtpDataAttempt.Peer"/>) and with what reply.
    /// </summary>
    public async Task<IReadOnlyList<SmtpDataAttempt>> GetDataAttemptsAsync()
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(dataLog);
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        // The handler appends each line with one write before it replies; a line without its newline is still being written.
        var complete = text[..(text.LastIndexOf('\n') + 1)];
        return [.. complete.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<SmtpDataAttempt>(line, JsonOptions)
                ?? throw new InvalidOperationException($"Unreadable aiosmtpd DATA log line: {line}"))];
    }

    /// <summary>Kills aiosmtpd and deletes its maildir.</summary>
    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        TestCertificates.TryDeleteDirectory(workDir);
    }
}

/// <summary>One step of an aiosmtpd DATA script: answer <paramref name="Reply"/> (a full SMTP reply such as
/// <c>451 4.3.0 Try again later</c>) to the next <paramref name="Times"/> messages (<see cref="int.MaxValue"/>: always).</summary>
public sealed record DataReplyStep(string Reply, int Times = int.MaxValue);

/// <summary>A DATA command as aiosmtpd answered it. <paramref name="Peer"/> is the client's <c>host:port</c>,
/// the same for every message sent over one connection.</summary>
public sealed record SmtpDataAttempt(string Peer, string Reply, string MessageId, string Subject)
{
    /// <summary>The reply's three-digit code.</summary>
    public int Code => int.Parse(Reply.AsSpan(0, 3), CultureInfo.InvariantCulture);
}
