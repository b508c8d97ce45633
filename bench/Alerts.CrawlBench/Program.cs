using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Alerts.Notifier.Crawler;
using Alerts.Server.Hosting;
using Microsoft.Extensions.FileProviders;

// The link crawler on a generated site of 5,000 pages served by Kestrel's static files in a child process (so the
// crawler's memory is measured alone): a cold run, then a warm one answered 304 Not Modified.
//   dotnet run -c Release --project bench/Alerts.CrawlBench [-- PAGES]
if (args is ["--serve", var root, var port])
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}", $"http://127.0.0.2:{port}");
    var site = builder.Build();
    var files = new PhysicalFileProvider(root);
    site.UseStaticFiles(new StaticFileOptions { FileProvider = files, ServeUnknownFileTypes = true });
    await site.RunAsync();
    return 0;
}

var pages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var dir = Path.Combine(Path.GetTempPath(), "alerts-crawlbench-" + Guid.NewGuid().ToString("N"));
var www = Path.Combine(dir, "www");
var sitePort = FreePort();
var (deadInternal, deadExternal) = Generate(www, pages, sitePort);
var self = Path.Combine(AppContext.BaseDirectory, "Alerts.CrawlBench.dll");
using var server = Process.Start(new ProcessStartInfo("dotnet", [self, "--serve", www, sitePort.ToString(CultureInfo.InvariantCulture)])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
})!;
try
{
    await WaitForPortAsync(sitePort);
    string[] settings =
    [
        $"--ConnectionStrings:Alerts=Data Source={Path.Combine(dir, "alerts.db")}",
        "--Alerts:Projects:0:Id=1", "--Alerts:Projects:0:Name=bench", "--Alerts:Projects:0:Key=benchkey-0123456789abcdef",
        "--Alerts:Crawler:AllowPrivateTargets=true",
        "--Alerts:Sites:0:Id=bench", "--Alerts:Sites:0:ProjectId=1", $"--Alerts:Sites:0:StartUrl=http://127.0.0.1:{sitePort}/p/0.html",
        "--Alerts:Sites:0:RequestsPerSecond=1000", "--Alerts:Sites:0:PageBudget=20000", "--Alerts:Sites:0:MaxDepth=1000",
        "--Logging:LogLevel:Default=Warning",
    ];
    using var host = AlertsApp.CreateCommandHost(settings);
    await AlertsApp.PrepareAsync(host.Services, migrate: true, CancellationToken.None);
    var runner = host.Services.GetRequiredService<CrawlRunner>();
    Console.WriteLine($"{pages} pages generated ({deadInternal} dead internal links, {deadExternal} dead external); {Environment.ProcessorCount} cores; {Uptime()}");
    foreach (var name in new[] { "cold", "warm (304)" })
    {
        var watch = Stopwatch.StartNew();
        var run = await runner.RunAsync("bench", CancellationToken.None) ?? throw new InvalidOperationException("not run");
        watch.Stop();
        using var me = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {run.Pages} | {run.NotModified} | {run.LinksChecked} | {run.Requests} | {run.DeadInternal} | {run.DeadExternal} | {watch.Elapsed.TotalSeconds:0.0} s | {run.Pages / watch.Elapsed.TotalSeconds:0} | {me.WorkingSet64 / 1048576.0:0} MiB (peak {me.PeakWorkingSet64 / 1048576.0:0}) | {run.Status} |"));
    }
    Console.WriteLine(Uptime());
}
finally
{
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    Directory.Delete(dir, recursive: true);
}
return 0;

// Page i links to ten others (a ring, so every page is reachable, and pseudo-random jumps), a shared stylesheet and logo;
// every 50th page has a dead internal link, every 100th a dead link on the other host name.
static (int DeadInternal, int DeadExternal) Generate(string www, int count, int port)
{
    Directory.CreateDirectory(Path.Combine(www, "p"));
    File.WriteAllText(Path.Combine(www, "robots.txt"), "User-agent: *\nDisallow: /admin/\n");
    File.WriteAllText(Path.Combine(www, "site.css"), "body{font-family:sans-serif}");
    File.WriteAllBytes(Path.Combine(www, "logo.png"), new byte[2048]);
    int deadInternal = 0, deadExternal = 0;
    var html = new StringBuilder();
    for (var i = 0; i < count; i++)
    {
        html.Clear().Append("<!doctype html><html><head><title>Page ").Append(i).Append("</title><link rel=\"stylesheet\" href=\"/site.css\"></head><body><img src=\"/logo.png\"><nav>");
        foreach (var k in new[] { 1, 2, 7, 13, 31, 97, 331, 977, 1999, 3001 })
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"/p/{(i * k + k) % count}.html\">page</a> ");
        html.Append("</nav><p>").Append('x', 2000).Append("</p>");
        if (i % 50 == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"/p/gone-{i}.html\">old</a>");
            deadInternal++;
        }
        if (i % 100 == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"http://127.0.0.2:{port}/gone-{i}.html\">partner</a>");
            deadExternal++;
        }
        html.Append("</body></html>");
        File.WriteAllText(Path.Combine(www, "p", $"{i}.html"), html.ToString());
    }
    return (deadInternal, deadExternal);
}

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForPortAsync(int port)
{
    for (var i = 0; i < 300; i++)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return;
        }
        catch (SocketException)
        {
            await Task.Delay(100);
        }
    }
    throw new TimeoutException("the site did not start");
}

static string Uptime() => File.Exists("/proc/loadavg") ? "load " + File.ReadAllText("/proc/loadavg").Trim() : "";
