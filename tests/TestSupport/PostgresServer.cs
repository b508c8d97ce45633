using System.Globalization;

namespace Alerts.TestSupport;

/// <summary>
/// A PostgreSQL server (Debian's <c>postgresql</c>) of the test's own: <c>initdb</c> into a temporary folder, started
/// on a free loopback port with trust authentication for the <c>postgres</c> role. PostgreSQL refuses to run as
/// root, so as root its programs run as the <c>postgres</c> user (<c>runuser</c>). Nothing is left behind.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string binDir;
    private readonly string workDir;
    private readonly ChildProcess process;

    private PostgresServer(string binDir, string workDir, ChildProcess process, int port)
    {
        this.binDir = binDir;
        this.workDir = workDir;
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The process that runs the server (<c>runuser</c> as root); its descendants are the postmaster and its backends.</summary>
    public int ProcessId => process.Id;

    /// <summary>What the server wrote, for failure messages.</summary>
    public string Output => process.Report();

    /// <summary>Runs <c>initdb</c> and starts the server; fails with the reason when PostgreSQL is missing or does not start.</summary>
    /// <param name="durable">
    /// Commits reach the disk (fsync, full-page writes, synchronous commit: PostgreSQL's defaults), as a benchmark needs;
    /// tests skip the flushes.
    /// </param>
    /// <param name="statementStats">Loads pg_stat_statements (the benchmark reports where PostgreSQL's time goes).</param>
    public static async Task<PostgresServer> StartAsync(bool durable = false, bool statementStats = false)
    {
        var binDir = FindBinDir();
        var workDir = Directory.CreateTempSubdirectory("alerts-postgres-").FullName;
        // The postgres user creates its data folder and socket in here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(workDir, (UnixFileMode)0b111_111_111);
        }

        var dataDir = Path.Combine(workDir, "data");
        try
        {
            await RunAsync(binDir, workDir, "initdb", "-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
            string[] flushes = durable ? ["-c", "fsync=on", "-c", "synchronous_commit=on"] : ["-c", "fsync=off", "-c", "full_page_writes=off"];
            string[] stats = statementStats ? ["-c", "shared_preload_libraries=pg_stat_statements"] : [];
            var (child, port) = await ChildProcess.StartServerAsync(
                "postgres",
                FreePort.Next,
                port => Start(binDir, workDir, "postgres", ["-D", dataDir, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", workDir,
                    "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", .. flushes, .. stats]),
                port => AcceptsAsync(binDir, workDir, port),
                StartTimeout);
            return new PostgresServer(binDir, workDir, child, port);
        }
        catch
        {
            TestCertificates.TryDeleteDirectory(workDir);
            throw;
        }
    }

    /// <summary>Creates a database and returns its connection string (<c>ConnectionStrings:Alerts</c>).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await RunAsync(binDir, workDir, "createdb", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name);
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database}";

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // A fast shutdown; the process tree is killed below if it does not come.
            await using var stop = Start(binDir, workDir, "pg_ctl", "-D", Path.Combine(workDir, "data"), "stop", "-m", "fast");
            await stop.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }

        await process.DisposeAsync();
        TestCertificates.TryDeleteDirectory(workDir);
    }

    private static string FindBinDir()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "postgres")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            $"PostgreSQL is not installed (no {root}/<version>/bin/postgres): apt-get install postgresql, as scripts/test.sh does.");
    }

    private static async Task<bool> AcceptsAsync(string binDir, string workDir, int port)
    {
        if (!await FreePort.AcceptsAsync(port)) return false;

        // The port opens before the server accepts sessions (recovery, start-up): pg_isready knows.
        await using var probe = Start(binDir, workDir, "pg_isready", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres");
        return await probe.WaitForExitAsync(TimeSpan.FromSeconds(10)) && probe.ExitCode == 0;
    }

    private static async Task RunAsync(string binDir, string workDir, string program, params string[] args)
    {
        await using var child = Start(binDir, workDir, program, args);
        if (!await child.WaitForExitAsync(CommandTimeout))
        {
            throw new TimeoutException($"{program} did not finish within {CommandTimeout}.{Environment.NewLine}{child.Report()}");
        }

        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with exit code {child.ExitCode}.{Environment.NewLine}{child.Report()}");
        }
    }

    /// <summary>Starts a PostgreSQL program, as the postgres user when the tests run as root.</summary>
    private static ChildProcess Start(string binDir, string workDir, string program, params string[] args)
    {
        var path = Path.Combine(binDir, program);
        return Environment.UserName == "root"
            ? ChildProcess.Start("runuser", ["-u", "postgres", "--", path, .. args], workDir)
            : ChildProcess.Start(path, args, workDir);
    }
}
