using System.Globalization;

namespace Alerts.TestSupport;

/// <summary>
/// A RabbitMQ node (Debian's <c>rabbitmq-server</c>) of the test's own: its own Erlang port mapper, node name, free
/// loopback ports and a temporary folder for its database and cookie, so it never meets the system's node. It can be
/// stopped and started again on the same port, with its durable queues, as an operator restarts a broker.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string LibDir = "/usr/lib/rabbitmq/bin";
    private const string Epmd = "/usr/bin/epmd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly string workDir;
    private readonly Dictionary<string, string> environment;
    private readonly ChildProcess epmd;
    private ChildProcess? server;

    private RabbitMqServer(string workDir, Dictionary<string, string> environment, ChildProcess epmd, int port)
    {
        this.workDir = workDir;
        this.environment = environment;
        this.epmd = epmd;
        Port = port;
    }

    /// <summary>The AMQP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>ConnectionStrings:RabbitMq</c> for this node (the guest user, allowed on loopback).</summary>
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>The process that runs the node (its descendants hold the Erlang VM).</summary>
    public int ProcessId => server?.Id ?? throw new InvalidOperationException("The node is not running.");

    /// <summary>What the node wrote, for failure messages.</summary>
    public string Output => server?.Report() ?? "(not running)";

    public static async Task<RabbitMqServer> StartAsync()
    {
        if (!File.Exists(Path.Combine(LibDir, "rabbitmq-server")) || !File.Exists(Epmd))
        {
            throw new InvalidOperationException(
                $"RabbitMQ is not installed (no {LibDir}/rabbitmq-server or {Epmd}): apt-get install rabbitmq-server, as scripts/test.sh does.");
        }

        var workDir = Directory.CreateTempSubdirectory("alerts-rabbitmq-").FullName;
        var epmdPort = FreePort.Next();
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = workDir, // the Erlang cookie the node and rabbitmqctl share
            ["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_NODENAME"] = $"alerts-test-{Guid.NewGuid():N}@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(workDir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(workDir, "log"),
            ["RABBITMQ_LOGS"] = "-", // to stdout, so a failure shows it
            ["RABBITMQ_PID_FILE"] = Path.Combine(workDir, "rabbitmq.pid"),
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(workDir, "rabbitmq-env.conf"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(workDir, "rabbitmq"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(workDir, "advanced.config"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(workDir, "enabled_plugins"),
        };
        await File.WriteAllTextAsync(Path.Combine(workDir, "enabled_plugins"), "[].");
        await File.WriteAllTextAsync(Path.Combine(workDir, "rabbitmq-env.conf"), "");

        // A port mapper of our own, in the foreground, so it goes away with the test.
        var mapper = ChildProcess.Start(Epmd, ["-port", epmdPort.ToString(CultureInfo.InvariantCulture)], workDir, environment);
        var rabbit = new RabbitMqServer(workDir, environment, mapper, port);
        try
        {
            await rabbit.StartNodeAsync();
            return rabbit;
        }
        catch
        {
            await rabbit.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the node as <c>rabbitmqctl shutdown</c> does and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (server is null || server.HasExited)
        {
            return;
        }

        await using (var ctl = ChildProcess.Start(Path.Combine(LibDir, "rabbitmqctl"), ["-n", environment["RABBITMQ_NODENAME"], "shutdown"], workDir, environment))
        {
            await ctl.WaitForExitAsync(StopTimeout);
        }

        if (!await server.WaitForExitAsync(StopTimeout))
        {
            server.Kill();
        }
    }

    /// <summary>Starts the stopped node again, on the same port with the same data.</summary>
    public async Task StartNodeAsync()
    {
        if (server is { HasExited: false })
        {
            throw new InvalidOperationException("The RabbitMQ node is already running.");
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        (server, _) = await ChildProcess.StartServerAsync(
            "rabbitmq-server",
            () => Port,
            _ => ChildProcess.Start(Path.Combine(LibDir, "rabbitmq-server"), [], workDir, environment),
            _ => FreePort.AcceptsAsync(Port),
            StartTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            await epmd.DisposeAsync();
            TestCertificates.TryDeleteDirectory(workDir);
        }
    }
}
