using Alerts.Bench;

// dotnet run -c Release --project bench/Alerts.Bench [-- --seconds 60 --warmup 20 --rounds 3 --mails 20 --incidents 100000]
// PostgreSQL (started here, durable) as one process or as the scale-out layout; the figures are printed for RESULTS.md:
// dotnet run -c Release --project bench/Alerts.Bench -- --provider postgres | --layout scale-out [--seconds 30 --warmup 10 --rounds 3]
// The inbox's batch in each shape tried on PostgreSQL (per row, multi-row VALUES, unnest, binary COPY):
// dotnet run -c Release --project bench/Alerts.Bench -- --inbox-shapes
if (args.Contains("--inbox-shapes"))
{
    Console.WriteLine(await new InboxShapes(Console.WriteLine).RunAsync());
    return;
}
var settings = BenchSettings.Parse(args);
if (settings.Provider == BenchProvider.Postgres)
{
    Console.WriteLine(await new PostgresRun(settings, Console.WriteLine).RunAsync());
    return;
}
var results = await new BenchRun(settings, Console.WriteLine).RunAsync();
var path = Path.Combine(Alerts.TestSupport.RepoPaths.Root, "bench", "RESULTS.md");
await File.WriteAllTextAsync(path, results.ToMarkdown(File.Exists(path) ? await File.ReadAllTextAsync(path) : null));
Console.WriteLine($"Wrote {path}");
