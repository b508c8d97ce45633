using System.CommandLine;
using Alerts.Dashboard.Accounts;

namespace Alerts.Server.Cli;

/// <summary><c>alerts createuser</c>, <c>alerts users</c> and <c>alerts tokens</c>.</summary>
internal static class AccountCommands
{
    public static Command CreateUser()
    {
        var email = new Option<string>("--email") { Description = "The user's e-mail, used to log in.", Required = true };
        var password = new Option<string>("--password") { Description = "The password; asked for when left out." };
        var command = new Command("createuser", "Create a Dashboard user (or set a new password for an existing one).") { email, password };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var pw = result.GetValue(password) ?? ReadPassword();
            if (pw is null)
            {
                await Console.Error.WriteLineAsync("Give --password, or run in a terminal to be asked for it.");
                return 2;
            }
            var created = await services.GetRequiredService<UserAccounts>().CreateOrUpdateAsync(result.GetValue(email)!, pw, ct);
            Console.WriteLine(created ? $"Created user {result.GetValue(email)}." : $"Set a new password for {result.GetValue(email)}.");
            return 0;
        }, migrate: true, ct));
        return command;
    }

    public static Command Tokens()
    {
        var name = new Option<string>("--name") { Description = "What the token is for.", Required = true };
        var create = new Command("create", "Create an API token for the JSON API (Authorization: Bearer).") { name };
        create.TreatUnmatchedTokensAsErrors = false;
        create.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var token = await services.GetRequiredService<ApiTokens>().CreateAsync(result.GetValue(name)!, ct);
            Console.WriteLine(token);
            await Console.Error.WriteLineAsync("Keep this token: it is shown only once.");
            return 0;
        }, migrate: true, ct));
        return new Command("tokens", "Manage API tokens.") { create };
    }

    public static Command Users()
    {
        var email = new Option<string>("--email") { Description = "The user whose sessions end.", Required = true };
        var signOutAll = new Command("sign-out-all", "End every Dashboard session of a user, on every node (a stolen or forgotten login).") { email };
        signOutAll.TreatUnmatchedTokensAsErrors = false;
        signOutAll.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            if (!await services.GetRequiredService<UserAccounts>().SignOutEverywhereAsync(result.GetValue(email)!, ct))
            {
                await Console.Error.WriteLineAsync($"There is no user {result.GetValue(email)}.");
                return 1;
            }
            Console.WriteLine($"Every session of {result.GetValue(email)} has ended.");
            return 0;
        }, migrate: true, ct));
        return new Command("users", "Manage Dashboard users.") { signOutAll };
    }

    private static string? ReadPassword()
    {
        if (Console.IsInputRedirected) return null;
        Console.Write("Password: ");
        var chars = new List<char>();
        for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace) { if (chars.Count > 0) chars.RemoveAt(chars.Count - 1); }
            else chars.Add(key.KeyChar);
        }
        Console.WriteLine();
        return new string([.. chars]);
    }
}
