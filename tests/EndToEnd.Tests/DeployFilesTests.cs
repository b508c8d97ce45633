using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alerts.Collector;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>
/// The files in deploy/ checked with the tools that read them, where those run here: a YAML parser for the compose
/// files, <c>nginx -t</c>, <c>systemd-analyze verify</c>. The Docker build itself cannot run here.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly string DeployDir = Path.Combine(RepoPaths.Root, "deploy");

    [Fact]
    public async Task ComposeFiles_AreValidYaml_WithTheScaleOutServices_AndSmtp4devOnLoopbackOnly()
    {
        var single = await ComposeServicesAsync("compose.yaml");
        Assert.Equal(["alerts"], single.Keys);

        var scale = await ComposeServicesAsync("compose.scale.yaml");
        Assert.Equal(
            new[] { "collector-1", "collector-2", "dashboard", "migrate", "nginx", "notifier-1", "notifier-2", "postgres", "rabbitmq", "smtp4dev" },
            scale.Keys.Order(StringComparer.Ordinal));
        Assert.All(scale["smtp4dev"], port => Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NginxConf_PassesNginxTest_AndAllowsTheCollectorsLargestRequest()
    {
        var conf = await File.ReadAllTextAsync(Path.Combine(DeployDir, "nginx", "alerts.conf"));
        var limit = BodyLimit().Match(conf);
        Assert.True(limit.Success, "alerts.conf sets no client_max_body_size");
        Assert.Equal(new CollectorOptions().MaxEnvelopeBytes, long.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 * 1024);

        // nginx resolves upstream names while testing; the compose service names only resolve inside compose.
        var run = await NginxServer.TestAsync(conf
            .Replace("collector-1:8080", "127.0.0.1:18001", StringComparison.Ordinal)
            .Replace("collector-2:8080", "127.0.0.1:18002", StringComparison.Ordinal)
            .Replace("dashboard:8080", "127.0.0.1:18003", StringComparison.Ordinal));
        Assert.True(run.ExitCode == 0, $"nginx -t rejected deploy/nginx/alerts.conf: {run.Output}");
    }

    [Fact]
    public async Task SystemdUnits_PassSystemdAnalyzeVerify()
    {
        var dir = Directory.CreateTempSubdirectory("alerts-systemd-").FullName;
        try
        {
            var units = new List<string>();
            foreach (var unit in Directory.GetFiles(Path.Combine(DeployDir, "systemd"), "*.service"))
            {
                // verify checks that ExecStart's program exists: point it at this machine's dotnet.
                var text = (await File.ReadAllTextAsync(unit)).Replace("/usr/bin/dotnet", DotnetHost, StringComparison.Ordinal);
                var name = Path.GetFileName(unit).Replace("@.service", "@8001.service", StringComparison.Ordinal);
                await File.WriteAllTextAsync(Path.Combine(dir, Path.GetFileName(unit)), text);
                units.Add(Path.Combine(dir, name));
                if (name != Path.GetFileName(unit))
                {
                    await File.WriteAllTextAsync(Path.Combine(dir, name), text);
                }
            }

            Assert.Contains(units, u => u.EndsWith("alerts-collector@8001.service", StringComparison.Ordinal));
            var run = await RunAsync(
                Tool("systemd-analyze", "/usr/bin/systemd-analyze", "apt-get install systemd"),
                ["verify", .. units],
                new Dictionary<string, string> { ["SYSTEMD_UNIT_PATH"] = dir + ":" });
            Assert.True(run.ExitCode == 0 && run.Output.Trim().Length == 0, $"systemd-analyze verify complained about deploy/systemd: {run.Output}");
        }
        finally
        {
            TestCertificates.TryDeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task SingleServerUnit_StartsTheBinaryWithItsEnvironmentAndWorkingDirectory_OnSqlite()
    {
        var unit = ServiceSection(await File.ReadAllLinesAsync(Path.Combine(DeployDir, "systemd", "alerts.service")));
        Assert.Equal("/var/lib/alerts", unit["WorkingDirectory"].Single());
        Assert.Equal(["-/etc/alerts/alerts-single.env"], unit["EnvironmentFile"]);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assignment in unit["Environment"].SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            env[assignment[..assignment.IndexOf('=', StringComparison.Ordinal)]] = assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(DeployDir, "systemd", "alerts-single.env")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                env[line[..line.IndexOf('=', StringComparison.Ordinal)]] = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }
        }

        Assert.DoesNotContain(env.Keys, k => k.Contains("Database", StringComparison.Ordinal) || k.Contains("Messaging", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings", StringComparison.Ordinal));
        var exec = unit["ExecStart"].Single().Split(' ');
        Assert.Equal(["/usr/bin/dotnet", "/opt/alerts/alerts.dll", "serve", "--urls", "http://127.0.0.1:8080"], exec);
        await using var alerts = new AlertsProcess();
        var url = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
        env["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";

        await using var serve = ChildProcess.Start(DotnetHost, [AlertsProcess.DllPath, .. exec[2..4], url], alerts.WorkingDirectory, env);

        await Wait.UntilAsync(() => Task.FromResult(serve.OutputContains($"Now listening on: {url}") || serve.HasExited), TimeSpan.FromSeconds(60), "the unit's command to serve");
        Assert.False(serve.HasExited, serve.Report());
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri($"{url}/readyz"))).StatusCode);
        Assert.True(File.Exists(Path.Combine(alerts.WorkingDirectory, "data", "alerts.db")), "no data/alerts.db in the unit's working directory");
    }

    /// <summary>The [Service] settings of a unit: name → values, in order (a setting may repeat).</summary>
    private static ILookup<string, string> ServiceSection(string[] lines) =>
        lines.SkipWhile(l => l.Trim() != "[Service]").Skip(1).TakeWhile(l => !l.StartsWith('['))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .ToLookup(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);

    [Fact]
    public async Task ProductionSettings_AreEachExplainedInTheDeployReadme()
    {
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(DeployDir, "appsettings.Production.json")));
        var readme = await File.ReadAllTextAsync(Path.Combine(DeployDir, "README.md"));
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        Collect(settings.RootElement, "", keys);
        Assert.True(keys.Count > 40, $"only {keys.Count} settings found");
        var unexplained = keys.Where(k => !readme.Contains($"`{k}`", StringComparison.Ordinal)).ToList();
        Assert.True(unexplained.Count == 0, $"deploy/README.md does not explain: {string.Join(", ", unexplained)}");
    }

    /// <summary>Leaf setting names; a list is one setting (its items are not named one by one).</summary>
    private static void Collect(JsonElement element, string path, ISet<string> keys)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                Collect(property.Value, path.Length == 0 ? property.Name : $"{path}:{property.Name}", keys);
            }
        }
        else
        {
            keys.Add(path);
        }
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "/usr/bin/dotnet";

    private static string Tool(string name, string path, string install) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{name} is not installed ({install}; scripts/test.sh does this).");

    /// <summary>Service name → published ports of a compose file, read by PyYAML (Debian's python3-yaml).</summary>
    private static async Task<Dictionary<string, List<string>>> ComposeServicesAsync(string file)
    {
        const string script = """
            import json, sys, yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            print(json.dumps({name: [str(p) for p in (s or {}).get("ports", [])] for name, s in doc["services"].items()}))
            """;
        var run = await RunAsync(Tool("python3", "/usr/bin/python3", "apt-get install python3-yaml"), ["-c", script, Path.Combine(DeployDir, file)]);
        Assert.True(run.ExitCode == 0, $"deploy/{file} is not valid YAML: {run.Output}");
        return JsonSerializer.Deserialize<Dictionary<string, List<string>>>(run.StandardOutput)!;
    }

    private static async Task<(int ExitCode, string StandardOutput, string Output)> RunAsync(
        string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        await using var child = ChildProcess.Start(program, args, DeployDir, env);
        Assert.True(await child.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{program} did not finish: {child.Report()}");
        return (child.ExitCode, child.StandardOutput, $"{child.StandardOutput}{Environment.NewLine}{child.StandardError}");
    }

    [GeneratedRegex(@"client_max_body_size\s+(\d+)m;")]
    private static partial Regex BodyLimit();
}
