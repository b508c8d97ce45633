using System.Diagnostics;
using System.Text;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// A script of <c>tests/EndToEnd.Tests/sentry-node</c> run by <c>node</c> with the real @sentry/node that
/// scripts/test.sh installs into <c>.tools/node_modules</c>; its standard input stays open for scripts that wait on it.
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _node;
    private readonly StringBuilder _log = new();
    private readonly string _name;

    private NodeScript(Process node, string name)
    {
        _node = node;
        _name = name;
    }

    public static string ModulesDirectory => Path.Combine(RepoPaths.Root, ".tools", "node_modules");

    /// <summary>Starts <paramref name="name"/> with SENTRY_DSN set to <paramref name="dsn"/>.</summary>
    public static NodeScript Start(string name, string dsn, params string[] arguments)
    {
        if (!Directory.Exists(Path.Combine(ModulesDirectory, "@sentry", "node")))
            throw new InvalidOperationException($"@sentry/node is not installed in {ModulesDirectory}: run scripts/test.sh to install test dependencies.");
        var script = Path.Combine(RepoPaths.Root, "tests", "EndToEnd.Tests", "sentry-node", name);
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(script)!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        psi.Environment["SENTRY_DSN"] = dsn;
        psi.Environment["NODE_PATH"] = ModulesDirectory;
        var node = Process.Start(psi) ?? throw new InvalidOperationException("Could not start node.");
        var run = new NodeScript(node, $"{name} {string.Join(' ', arguments)}".TrimEnd());
        node.OutputDataReceived += (_, e) => run.Append(e.Data);
        node.ErrorDataReceived += (_, e) => run.Append(e.Data);
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        return run;
    }

    /// <summary>Runs <paramref name="name"/> to its end and fails unless it exits with 0.</summary>
    public static async Task<string> RunAsync(string name, string dsn, params string[] arguments)
    {
        await using var run = Start(name, dsn, arguments);
        return await run.ExitedAsync();
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public Task WriteLineAsync(string line) => _node.StandardInput.WriteLineAsync(line);

    /// <summary>Waits for the exit; fails unless the exit code is 0. Returns what the script printed.</summary>
    public async Task<string> ExitedAsync()
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {_name} did not exit within {ExitTimeout}:{Environment.NewLine}{Log}");
        }
        if (_node.ExitCode != 0) throw new InvalidOperationException($"node {_name} exited with {_node.ExitCode}:{Environment.NewLine}{Log}");
        return Log;
    }

    public ValueTask DisposeAsync()
    {
        if (!_node.HasExited) _node.Kill(entireProcessTree: true);
        _node.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }
}
