using System.Globalization;

namespace Alerts.TestSupport;

/// <summary>
/// nginx (Debian's <c>nginx-light</c>) with a site configuration of the test's, in a temporary prefix: every path
/// nginx writes (pid, logs, temporary bodies) is inside it, so it runs beside any system nginx.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private const string Executable = "/usr/sbin/nginx";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess process;
    private readonly string prefix;

    private NginxServer(ChildProcess process, string prefix, int port)
    {
        this.process = process;
        this.prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary><c>nginx -t</c> of a site configuration; the exit code and what nginx said.</summary>
    public static async Task<(int ExitCode, string Output)> TestAsync(string site)
    {
        var prefix = Prepare(site);
        try
        {
            await using var child = ChildProcess.Start(FindExecutable(), ["-t", "-c", Path.Combine(prefix, "nginx.conf"), "-p", prefix], prefix);
            if (!await child.WaitForExitAsync(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"nginx -t did not finish.{Environment.NewLine}{child.Report()}");
            }

            return (child.ExitCode, child.Report());
        }
        finally
        {
            TestCertificates.TryDeleteDirectory(prefix);
        }
    }

    /// <summary>Starts nginx in the foreground with <paramref name="site"/>, which must listen on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<NginxServer> StartAsync(string site, int port)
    {
        var prefix = Prepare(site);
        try
        {
            var (child, _) = await ChildProcess.StartServerAsync(
                "nginx",
                () => port,
                _ => ChildProcess.Start(FindExecutable(), ["-c", Path.Combine(prefix, "nginx.conf"), "-p", prefix, "-g", "daemon off;"], prefix),
                _ => FreePort.AcceptsAsync(port),
                StartTimeout);
            return new NginxServer(child, prefix, port);
        }
        catch
        {
            TestCertificates.TryDeleteDirectory(prefix);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        TestCertificates.TryDeleteDirectory(prefix);
    }

    private static string FindExecutable() =>
        File.Exists(Executable)
            ? Executable
            : throw new InvalidOperationException($"nginx is not installed (no {Executable}): apt-get install nginx-light, as scripts/test.sh does.");

    /// <summary>A prefix folder with a main configuration that includes <paramref name="site"/> as its only server.</summary>
    private static string Prepare(string site)
    {
        var prefix = Directory.CreateTempSubdirectory("alerts-nginx-").FullName;
        File.WriteAllText(Path.Combine(prefix, "site.conf"), site);
        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), $$"""
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log;
            worker_processes 1;
            events {}
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                include {{prefix}}/site.conf;
            }
            """);
        return prefix;
    }
}
