using System.CommandLine;
using System.Globalization;
using Alerts.Core.Monitors;

namespace Alerts.Server.Cli;

/// <summary><c>alerts monitors add|list|pause|resume|delete</c>.</summary>
internal static class MonitorCommands
{
    public static Command Create()
    {
        var project = new Option<long>("--project") { Description = "The project's id.", Required = true };
        var slug = new Argument<string>("slug") { Description = "The monitor's name in URLs (letters, digits, '-', '_')." };
        var schedule = new Option<string?>("--schedule") { Description = "A crontab, e.g. \"0 2 * * *\"." };
        var interval = new Option<long>("--interval-seconds") { Description = "Or: an interval in seconds." };
        var timeZone = new Option<string?>("--timezone") { Description = "The crontab's IANA time zone (default UTC)." };
        var margin = new Option<int>("--checkin-margin") { Description = "Minutes a run may be late.", DefaultValueFactory = _ => 1 };
        var maxRuntime = new Option<int?>("--max-runtime") { Description = "Minutes after which a started run timed out." };
        var failures = new Option<int>("--failure-issue-threshold") { Description = "Failures in a row that open an incident.", DefaultValueFactory = _ => 1 };
        var recoveries = new Option<int>("--recovery-threshold") { Description = "Good runs in a row that recover it.", DefaultValueFactory = _ => 1 };
        var baseUrl = new Option<string>("--base-url") { Description = "The collector's public URL, to print ping URLs.", DefaultValueFactory = _ => "http://localhost:5000" };

        var add = new Command("add", "Add (or change) a cron monitor and print its ping URL.")
            { slug, project, schedule, interval, timeZone, margin, maxRuntime, failures, recoveries, baseUrl };
        add.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var definition = new MonitorDefinition(string.IsNullOrWhiteSpace(result.GetValue(schedule)) ? ScheduleType.Interval : ScheduleType.Crontab,
                result.GetValue(schedule), result.GetValue(interval), result.GetValue(timeZone), result.GetValue(margin), result.GetValue(maxRuntime),
                result.GetValue(failures), result.GetValue(recoveries));
            if (MonitorCatalog.Errors(result.GetValue(slug), definition) is { Count: > 0 } errors)
            {
                foreach (var (key, why) in errors) Console.Error.WriteLine($"{key}: {string.Join(" ", why)}");
                return 2;
            }
            var catalog = services.GetRequiredService<MonitorCatalog>();
            if (!await catalog.ProjectExistsAsync(result.GetValue(project), ct))
            {
                Console.Error.WriteLine($"There is no project {result.GetValue(project)}: `alerts projects list` shows them.");
                return 1;
            }
            var (monitor, created) = await catalog
                .UpsertAsync(result.GetValue(project), MonitorCatalog.NormalizeSlug(result.GetValue(slug))!, definition, MonitorSource.Api, ct);
            Console.WriteLine($"{(created ? "Added" : "Updated")} monitor {monitor.Id}: {monitor.Slug} ({monitor.ScheduleText})");
            Console.WriteLine($"Ping URL: {result.GetValue(baseUrl)!.TrimEnd('/')}/ping/{monitor.Uuid}");
            return 0;
        }, migrate: true, ct));

        var list = new Command("list", "List cron monitors with their state and ping URLs.") { baseUrl };
        list.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var monitors = await services.GetRequiredService<MonitorCatalog>().ListAsync(null, ct);
            if (monitors.Count == 0) Console.WriteLine("No monitors yet: add one with `alerts monitors add SLUG --project ID --schedule \"0 2 * * *\"`.");
            foreach (var m in monitors)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Id}\t{m.ProjectId}\t{m.Slug}\t{(m.Paused ? "paused" : m.State.ToString().ToLowerInvariant())}\t{m.ScheduleText}\t{result.GetValue(baseUrl)!.TrimEnd('/')}/ping/{m.Uuid}"));
            return 0;
        }, migrate: true, ct));
        return new Command("monitors", "Manage cron monitors.") { add, list, Pause("pause", true), Pause("resume", false), Delete() };
    }

    private static Argument<long> IdArgument() => new("id") { Description = "The monitor's id (from `alerts monitors list`)." };

    private static Command Pause(string verb, bool paused)
    {
        var id = IdArgument();
        var command = new Command(verb, paused ? "Pause a monitor: no alerts until resumed." : "Resume a paused monitor.") { id };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            if (await services.GetRequiredService<MonitorCatalog>().SetPausedAsync(result.GetValue(id), paused, ct))
            {
                Console.WriteLine($"Monitor {result.GetValue(id)} {(paused ? "paused" : "resumed")}.");
                return 0;
            }
            Console.Error.WriteLine($"There is no monitor {result.GetValue(id)}.");
            return 1;
        }, migrate: true, ct));
        return command;
    }

    private static Command Delete()
    {
        var id = IdArgument();
        var command = new Command("delete", "Delete a monitor and its runs.") { id };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            if (await services.GetRequiredService<MonitorCatalog>().DeleteAsync(result.GetValue(id), ct))
            {
                Console.WriteLine($"Monitor {result.GetValue(id)} deleted.");
                return 0;
            }
            Console.Error.WriteLine($"There is no monitor {result.GetValue(id)}.");
            return 1;
        }, migrate: true, ct));
        return command;
    }
}
