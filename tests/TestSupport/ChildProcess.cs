using System.Diagnostics;

namespace Alerts.TestSupport;

/// <summary>
/// A child process (a test server) whose stdout and stderr are captured into a bounded
/// buffer, so a failure can show what the process said. Disposing kills the whole tree.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxLines = 400;

    private readonly Process process;
    private readonly Queue<(bool IsError, string Text)> lines = new();
    private readonly Lock gate = new();

    private ChildProcess(Process process) => this.process = process;

    public string Description { get; private init; } = "";

    public bool HasExited => process.HasExited;

    public int Id => process.Id;

    /// <summary>The exit code; only valid once <see cref="HasExited"/>.</summary>
    public int ExitCode => process.ExitCode;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, stdin closed.</summary>
    public static ChildProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                psi.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(process)
        {
            Description = $"{fileName} {string.Join(' ', psi.ArgumentList)}",
        };
        process.OutputDataReceived += (_, e) => child.Append(isError: false, e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(isError: true, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {child.Description}: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Starts a server process and waits until <paramref name="isReady"/> holds. Ports are chosen by
    /// <paramref name="choosePorts"/>; when the server loses a race for a port it is started again on new
    /// ones. On failure the process is killed and an <see cref="InvalidOperationException"/> carrying the
    /// command line and the tail of its output is thrown.
    /// </summary>
    public static async Task<(ChildProcess Child, TPorts Ports)> StartServerAsync<TPorts>(
        string name,
        Func<TPorts> choosePorts,
        Func<TPorts, ChildProcess> start,
        Func<TPorts, Task<bool>> isReady,
        TimeSpan timeout)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var ports = choosePorts();
            var child = start(ports);
            try
            {
                await Wait.UntilAsync(
                    async () =>
                    {
                        child.ThrowIfExited(name);
                        return await isReady(ports);
                    },
                    timeout,
                    $"{name} to accept connections");
                return (child, ports);
            }
            catch (Exception ex)
            {
                var portClash = child.HasExited
                    && (child.OutputContains("EADDRINUSE") || child.OutputContains("address already in use"));
                var report = child.Report();
                await child.DisposeAsync();
                if (portClash && attempt < attempts)
                {
                    continue;
                }

                throw new InvalidOperationException(
                    $"{name} did not start: {ex.Message}{Environment.NewLine}{report}", ex);
            }
        }
    }

    /// <summary>The last <paramref name="count"/> lines the process wrote to stdout or stderr.</summary>
    public string Tail(int count = 60)
    {
        lock (gate)
        {
            return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Count - count)).Select(line => line.Text));
        }
    }

    /// <summary>What the process wrote to stdout (the last lines of it, as the buffer is bounded).</summary>
    public string StandardOutput => Lines(isError: false);

    /// <summary>What the process wrote to stderr (the last lines of it, as the buffer is bounded).</summary>
    public string StandardError => Lines(isError: true);

    /// <summary>Waits until the process has exited and its output is read; false when <paramref name="timeout"/> passes first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the process tree at once (SIGKILL: no shutdown code runs) and waits until it is gone.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
    }

    /// <summary>True when the output so far contains <paramref name="text"/>.</summary>
    public bool OutputContains(string text)
    {
        lock (gate)
        {
            return lines.Any(line => line.Text.Contains(text, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Throws if the process has already exited: a server must keep running.</summary>
    public void ThrowIfExited(string name)
    {
        if (process.HasExited)
        {
            // Let the asynchronous readers drain what the process wrote before it died.
            process.WaitForExit();
            throw new InvalidOperationException($"{name} exited with code {process.ExitCode} during start-up.");
        }
    }

    /// <summary>Command line and output tail, for exception messages.</summary>
    public string Report() =>
        $"Command: {Description}{Environment.NewLine}Output (tail):{Environment.NewLine}{Tail()}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        catch (OperationCanceledException)
        {
            // Did not die in time; nothing more a test can do.
        }
        finally
        {
            process.Dispose();
        }
    }

    private string Lines(bool isError)
    {
        lock (gate)
        {
            return string.Join(Environment.NewLine, lines.Where(line => line.IsError == isError).Select(line => line.Text));
        }
    }

    private void Append(bool isError, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            lines.Enqueue((isError, line));
            while (lines.Count > MaxLines)
            {
                lines.Dequeue();
            }
        }
    }
}
