using System.CommandLine;
using Alerts.Core.Data;
using Alerts.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Cli;

/// <summary>The verbs of <c>alerts</c> (DESIGN.md, "Commands"). Bare <c>alerts</c> serves every role.</summary>
public static class AlertsCli
{
    public static RootCommand Create()
    {
        var serve = ServeCommand();
        var root = new RootCommand("Alerts: error and broken-link alerting for any number of apps.")
        {
            serve,
            MigrateCommand(),
            SendTestEmailCommand.Create(),
            AccountCommands.CreateUser(),
            AccountCommands.Users(),
            AccountCommands.Tokens(),
            ProjectCommands.Create(),
        };
        root.SetAction((result, ct) => RunServeAsync(Roles.All, null, migrate: true, [], ct));
        return root;
    }

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
            RoleNames.Parse(result.GetValue(roles), out _)!.Value, result.GetValue(urls), !result.GetValue(noMigrate), [.. result.UnmatchedTokens], ct));
        command.TreatUnmatchedTokensAsErrors = false; // passes --Alerts:Key=value style overrides to configuration
        return command;
    }

    private static async Task<int> RunServeAsync(Roles roles, string? urls, bool migrate, string[] configArgs, CancellationToken ct)
    {
        return await Guarded(async () =>
        {
            await using var app = AlertsApp.CreateServer(configArgs, roles, urls);
            await AlertsApp.PrepareAsync(app.Services, migrate, ct);
            await app.RunAsync();
            return 0;
        });
    }

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
            using var host = AlertsApp.CreateCommandHost([.. result.UnmatchedTokens]);
            if (usesDatabase) await AlertsApp.PrepareAsync(host.Services, migrate, ct);
            else host.Services.GetService<IStartupValidator>()?.Validate();
            return await run(host.Services);
        });

    private static async Task<int> Guarded(Func<Task<int>> run)
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
