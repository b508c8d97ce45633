using System.CommandLine;
using System.Runtime.InteropServices;
using Alerts.Core.Data;
using Alerts.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Cli;

/// <summary>The verbs of <c>alerts</c> (DESIGN.md, "Commands"). Bare <c>alerts</c> serves every role.</summary>
public static class AlertsCli
{
    /// <summary>
    /// Settings given as <c>--Key=value</c> anywhere on the line (<c>--Alerts:Email:Backend=Console</c>): handed to the
    /// configuration, not parsed as the verb's options or arguments.
    /// </summary>
    internal static readonly Option<string[]> Settings = new("--setting")
    {
        Description = "A configuration setting Key=value; written --Key=value anywhere on the line.",
        Hidden = true,
        Recursive = true,
    };

    private static readonly string[] HelpAndVersion = ["--help", "-h", "-?", "/?", "/h", "--version"];

    /// <summary>Parses and runs a command line: <c>--Key=value</c> settings anywhere, and no verb is <c>serve</c>.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var root = Create();
        // SIGINT and SIGTERM are serve's to handle (RunServeAsync: a graceful stop within TimeoutStopSec), not cut short
        // after System.CommandLine's two seconds.
        return root.Parse(Normalize(root, args)).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    public static RootCommand Create()
    {
        var root = new RootCommand("Alerts: error and broken-link alerting for any number of apps.")
        {
            ServeCommand(),
            MigrateCommand(),
            CheckCommand.Create(),
            SendTestEmailCommand.Create(),
            AccountCommands.CreateUser(),
            AccountCommands.Users(),
            AccountCommands.Tokens(),
            ProjectCommands.Create(),
            MonitorCommands.Create(),
            IncidentCommands.Create(),
            CrawlCommands.Create(),
        };
        root.Options.Add(Settings);
        return root;
    }

    /// <summary>
    /// Rewrites <c>--Key=value</c> tokens that are no option of the verbs into <c>--setting Key=value</c>, and puts
    /// <c>serve</c> first when no verb is named (bare <c>alerts --urls ...</c>).
    /// </summary>
    internal static string[] Normalize(RootCommand root, string[] args)
    {
        var options = new HashSet<string>(StringComparer.Ordinal);
        CollectOptionNames(root, options);
        var tokens = new List<string>();
        string? first = null; // the first token that is not a setting: the verb, or an option of serve
        foreach (var arg in args)
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 2 && !options.Contains(arg[..equals]))
            {
                tokens.AddRange([Settings.Name, arg[2..]]);
                continue;
            }
            first ??= arg;
            tokens.Add(arg);
        }
        if (first is null || first.StartsWith('-') && !HelpAndVersion.Contains(first)) tokens.Insert(0, "serve");
        return [.. tokens];
    }

    private static void CollectOptionNames(Command command, HashSet<string> names)
    {
        foreach (var option in command.Options)
        {
            names.Add(option.Name);
            names.UnionWith(option.Aliases);
        }
        foreach (var sub in command.Subcommands) CollectOptionNames(sub, names);
    }

    /// <summary>The <c>--setting</c> values as arguments for the configuration's command-line source.</summary>
    internal static string[] ConfigurationArgs(ParseResult result) =>
        [.. (result.GetValue(Settings) ?? []).Select(s => "--" + s)];

    private static Command ServeCommand()
    {
        var roles = new Option<string>("--roles") { Description = "Comma-separated roles to run: collector, notifier, dashboard (default: all)." };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, e.g. http://0.0.0.0:8000 (default http://localhost:5000)." };
        var noMigrate = new Option<bool>("--no-migrate") { Description = "Do not apply database migrations at start-up." };
        var command = new Command("serve", "Run the service: every role, or the ones named by --roles.") { roles, urls, noMigrate };
        command.Validators.Add(result =>
        {
            if (RoleNames.Parse(result.GetValue(roles), out var error) is null) result.AddError(error!);
        });
        command.SetAction((result, ct) => RunServeAsync(
            RoleNames.Parse(result.GetValue(roles), out _)!.Value, result.GetValue(urls), !result.GetValue(noMigrate), ConfigurationArgs(result), ct));
        return command;
    }

    private static async Task<int> RunServeAsync(Roles roles, string? urls, bool migrate, string[] configArgs, CancellationToken ct)
    {
        return await Guarded(async () =>
        {
            // The signals are this method's from the first line to the last: the host's console lifetime would take them
            // only during its start and cancel that start halfway (services half-started, a canceled bus start logged).
            await using var app = AlertsApp.CreateServer(configArgs, roles, urls, s => s.AddSingleton<IHostLifetime, SignalsStopServe>());
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var interrupt = StopOn(PosixSignal.SIGINT, stopping);
            using var terminate = StopOn(PosixSignal.SIGTERM, stopping);
            try
            {
                await AlertsApp.PrepareAsync(app.Services, migrate, stopping.Token);
            }
            catch (Exception ex) when (stopping.IsCancellationRequested && ex is OperationCanceledException or System.Data.Common.DbException)
            {
                // Each migration is a transaction: what was applied stays, the rest is applied at the next start.
                await Console.Error.WriteLineAsync("Stopped during start-up, before serving; the next start carries on.");
                return 0;
            }
            foreach (var warning in AlertsApp.StartupWarnings(app.Services, roles)) app.Logger.LogWarning("{Warning}", warning);
            // Started whole even when a signal comes meanwhile, then stopped as at any other time.
            await app.StartAsync(CancellationToken.None);
            await app.WaitForShutdownAsync(stopping.Token);
            return 0;
        });
    }

    /// <summary>The host's lifetime when <c>serve</c> handles SIGINT and SIGTERM itself: it waits for nothing and stops nothing.</summary>
    private sealed class SignalsStopServe : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static PosixSignalRegistration StopOn(PosixSignal signal, CancellationTokenSource stopping) =>
        PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });

    private static Command MigrateCommand()
    {
        var command = new Command("migrate", "Apply database migrations.");
        command.SetAction((result, ct) => WithCommandHost(result, async services =>
        {
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            Console.WriteLine("The database is up to date.");
            return 0;
        }, migrate: true, ct)); // migrated before the configured projects are seeded into it
        return command;
    }

    /// <summary>
    /// Runs a one-shot command with configuration errors reported plainly: against a (migrated) database with
    /// the configured projects seeded, or, when the command does not use the database, with options validated only.
    /// </summary>
    internal static Task<int> WithCommandHost(ParseResult result, Func<IServiceProvider, Task<int>> run, bool migrate, CancellationToken ct, bool usesDatabase = true) =>
        Guarded(async () =>
        {
            using var host = AlertsApp.CreateCommandHost(ConfigurationArgs(result));
            if (usesDatabase) await AlertsApp.PrepareAsync(host.Services, migrate, ct);
            else host.Services.GetService<IStartupValidator>()?.Validate();
            return await run(host.Services);
        });

    internal static async Task<int> Guarded(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("Configuration error:");
            foreach (var failure in ex.Failures) await Console.Error.WriteLineAsync($"  - {failure}");
            return 2;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException && ex.InnerException is null)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}");
            return 1;
        }
    }
}
