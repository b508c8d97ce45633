namespace Alerts.TestSupport;

/// <summary>
/// Debian's <c>/usr/bin/python3</c>, the interpreter Debian's python3-django, python3-sentry-sdk and python3-aiosmtpd
/// install for (scripts/test.sh installs them); the <c>python3</c> first on PATH may be another that does not see them.
/// </summary>
public static class DebianPython
{
    public const string Executable = "/usr/bin/python3";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs a script to its end; fails the test naming the Debian package when a module is missing.</summary>
    /// <param name="packages">Module → Debian package, for the message when the import fails.</param>
    public static async Task<PythonRun> RunAsync(
        string workingDirectory,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyDictionary<string, string>? packages = null,
        TimeSpan? timeout = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["PYTHONUNBUFFERED"] = "1",
        };
        var args = arguments.ToList();
        await using var child = ChildProcess.Start(Executable, args, workingDirectory, env);
        var limit = timeout ?? DefaultTimeout;
        if (!await child.WaitForExitAsync(limit))
            throw new TimeoutException($"{Executable} {string.Join(' ', args)} did not exit within {limit}.{Environment.NewLine}{child.Report()}");
        var run = new PythonRun(child.ExitCode, child.StandardOutput, child.StandardError);
        foreach (var (module, package) in packages ?? new Dictionary<string, string>())
        {
            if (run.StandardError.Contains($"No module named '{module}'", StringComparison.Ordinal))
                throw new InvalidOperationException($"Debian's {package} is not installed for {Executable}: run scripts/test.sh.{Environment.NewLine}{run}");
        }
        return run;
    }
}

/// <summary>How a Python run ended and what it printed.</summary>
public sealed record PythonRun(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"exit {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{StandardOutput}{Environment.NewLine}--- stderr ---{Environment.NewLine}{StandardError}";
}
