using Alerts.Bench;

// dotnet run -c Release --project bench/Alerts.Bench [-- --seconds 60 --warmup 20 --rounds 3 --mails 20 --incidents 100000]
var settings = BenchSettings.Parse(args);
var results = await new BenchRun(settings, Console.WriteLine).RunAsync();
var path = Path.Combine(Alerts.TestSupport.RepoPaths.Root, "bench", "RESULTS.md");
await File.WriteAllTextAsync(path, results.ToMarkdown(File.Exists(path) ? await File.ReadAllTextAsync(path) : null));
Console.WriteLine($"Wrote {path}");
