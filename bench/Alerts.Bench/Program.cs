using Alerts.Bench;

// dotnet run -c Release --project bench/Alerts.Bench [-- --seconds 60 --warmup 20 --rounds 3 --mails 20 --incidents 100000]
// dotnet run -c Release --project bench/Alerts.Bench -- --sentry [--seconds 24 --warmup 10 --rounds 3]: the Sentry SDK section only
var settings = BenchSettings.Parse(args);
var path = Path.Combine(Alerts.TestSupport.RepoPaths.Root, "bench", "RESULTS.md");
var previous = File.Exists(path) ? await File.ReadAllTextAsync(path) : null;
if (args.Contains("--sentry"))
{
    var sentry = await new SentryBench(settings, Console.WriteLine).RunAsync();
    await File.WriteAllTextAsync(path, SentryBench.Merge(previous ?? "", sentry));
}
else
{
    var results = await new BenchRun(settings, Console.WriteLine).RunAsync();
    await File.WriteAllTextAsync(path, results.ToMarkdown(previous));
}
Console.WriteLine($"Wrote {path}");
