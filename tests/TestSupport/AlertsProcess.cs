using System.Globalization;
using System.Net;
using System.Reflection;

namespace Alerts.TestSupport;

/// <summary>What a one-shot <c>alerts</c> verb did.</summary>
public sealed record AlertsRun(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"exit code {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}

/// <summary>
/// The real <c>alerts</c> executable (<c>dotnet src/Server/bin/&lt;Configuration&gt;/net10.0/alerts.dll</c>) run as
/// a user runs it, in a working folder of its own: the SQLite default <c>data/alerts.db</c> lands there, so a
/// served process and the one-shot verbs run here share one database. Configuration is passed as environment
/// variables (<c>Alerts__Projects__0__Id</c>, ...). One <c>serve</c> process at a time; after
/// <see cref="Kill"/> another can be started on the same folder.
/// </summary>
public sealed class AlertsProcess : IAsyncDisposable
{
    private static readonly TimeSpan ServeStartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromSeconds(60);

    private readonly Action<string>? log;
    private ChildProcess? serve;
    private HttpClient? client;

    /// <param name="log">Receives what each <c>serve</c> process wrote once it is done (e.g. xunit's <c>ITestOutputHelper.WriteLine</c>), so a failed test shows it.</param>
    public AlertsProcess(Action<string>? log = null)
    {
        this.log = log;
        WorkingDirectory = Directory.CreateTempSubdirectory("alerts-e2e-").FullName;
    }

    /// <summary>The per-test folder the processes run in.</summary>
    public string WorkingDirectory { get; }

    /// <summary>The configuration the tests were built with (Debug, Release): the <c>alerts.dll</c> of the same build is run.</summary>
    public static string Configuration =>
        typeof(AlertsProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
        ?? throw new InvalidOperationException("The test assembly carries no AssemblyConfigurationAttribute.");

    /// <summary>Path of the <c>alerts</c> entry assembly.</summary>
    public static string DllPath => Path.Combine(RepoPaths.Root, "src", "Server", "bin", Configuration, "net10.0", "alerts.dll");

    /// <summary>Where the running <c>serve</c> listens.</summary>
    public Uri BaseAddress => Serving().BaseAddress!;

    /// <summary>The operating system's id of the running <c>serve</c> (for its memory, in /proc).</summary>
    public int ProcessId => serve is { HasExited: false } ? serve.Id : throw new InvalidOperationException($"alerts serve is not running.{Environment.NewLine}{ServeOutput}");

    /// <summary>A client for the running <c>serve</c> (a new one after each start).</summary>
    public HttpClient Client => Serving();

    /// <summary>The tail of what the current (or last) <c>serve</c> process wrote, for failure messages.</summary>
    public string ServeOutput => serve?.Report() ?? "(serve never started)";

    /// <summary>
    /// Runs <c>alerts serve --urls http://127.0.0.1:&lt;free port&gt; [--roles roles]</c> and waits until
    /// <c>GET /healthz</c> answers 200. Fails at once, with the process output, when the process exits.
    /// </summary>
    public async Task StartServeAsync(IReadOnlyDictionary<string, string> env, string? roles = null)
    {
        if (serve is { HasExited: false })
        {
            throw new InvalidOperationException("alerts serve is already running in this folder; Kill() it first.");
        }

        await StopServeAsync();
        client?.Dispose();
        client = null;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        ChildProcess? started = null;
        var (child, port) = await ChildProcess.StartServerAsync(
            "alerts serve",
            FreePort.Next,
            port =>
            {
                var args = new List<string> { DllPath, "serve", "--urls", Url(port) };
                if (roles is not null)
                {
                    args.AddRange(["--roles", roles]);
                }

                // The lifetime logger writes the line readiness waits for, whatever level the caller set.
                return started = Start(new Dictionary<string, string>(env) { ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information" }, args);
            },
            // Ready when this process says it listens on the port, not when something else answers there.
            async port => started!.OutputContains($"Now listening on: {Url(port)}") && await AnswersOkAsync(probe, new Uri($"{Url(port)}/healthz")),
            ServeStartTimeout);
        serve = child;
        client = new HttpClient { BaseAddress = new Uri(Url(port)), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Runs a one-shot verb (<c>alerts tokens create ...</c>) in the working folder and waits for it to exit.</summary>
    public Task<AlertsRun> RunAsync(IReadOnlyDictionary<string, string> env, params string[] args) =>
        RunAsync(env, DefaultRunTimeout, args);

    /// <inheritdoc cref="RunAsync(IReadOnlyDictionary{string, string}, string[])" />
    public async Task<AlertsRun> RunAsync(IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args)
    {
        await using var child = Start(env, [DllPath, .. args]);
        if (!await child.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"alerts {string.Join(' ', args)} did not exit within {timeout}.{Environment.NewLine}{child.Report()}");
        }

        return new AlertsRun(child.ExitCode, child.StandardOutput, child.StandardError);
    }

    /// <summary>kill -9 of the running <c>serve</c>: no shutdown code runs, as on a crash or power cut.</summary>
    public void Kill()
    {
        if (serve is null)
        {
            throw new InvalidOperationException("alerts serve was never started.");
        }

        serve.Kill();
        client?.Dispose();
        client = null;
    }

    /// <summary>Kills a running <c>serve</c> and deletes the working folder.</summary>
    public async ValueTask DisposeAsync()
    {
        client?.Dispose();
        await StopServeAsync();
        TestCertificates.TryDeleteDirectory(WorkingDirectory);
    }

    private async Task StopServeAsync()
    {
        if (serve is null)
        {
            return;
        }

        await serve.DisposeAsync();
        log?.Invoke(serve.Report());
        serve = null;
    }

    private HttpClient Serving() =>
        serve is { HasExited: false } && client is not null
            ? client
            : throw new InvalidOperationException($"alerts serve is not running.{Environment.NewLine}{ServeOutput}");

    private ChildProcess Start(IReadOnlyDictionary<string, string> env, IEnumerable<string> args)
    {
        if (!File.Exists(DllPath))
        {
            throw new InvalidOperationException($"{DllPath} is missing: build the solution with -c {Configuration} first.");
        }

        var environment = new Dictionary<string, string>(env)
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        // `dotnet test` names the host it runs on; fall back to the one on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return ChildProcess.Start(dotnet, args, WorkingDirectory, environment);
    }

    private static string Url(int port) => $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    private static async Task<bool> AnswersOkAsync(HttpClient http, Uri url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
