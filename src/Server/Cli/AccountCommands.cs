using System.CommandLine;
using Alerts.Dashboard.Accounts;
using Alerts.Dashboard.Pages;

namespace Alerts.Server.Cli;

/// <summary><c>alerts createuser</c>, <c>alerts users sign-out-all</c> and <c>alerts tokens create|list|revoke</c>.</summary>
internal static class AccountCommands
{
    public static Command CreateUser()
    {
        var email = new Option<string>("--email") { Description = "The user's e-mail, used to log in.", Required = true };
        var password = new Option<string>("--password") { Description = "The password; asked for when left out." };
        var command = new Command("createuser", "Create a Dashboard user (or set a new password for an existing one).") { email, password };
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
        create.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var token = await services.GetRequiredService<ApiTokens>().CreateAsync(result.GetValue(name)!, ct);
            Console.WriteLine(token);
            await Console.Error.WriteLineAsync("Keep this token: it is shown only once.");
            return 0;
        }, migrate: true, ct));
        return new Command("tokens", "Manage API tokens.") { create, ListTokens(), RevokeToken() };
    }

    /// <summary><c>alerts tokens list</c>: what each token is for and when it was last used, never the token.</summary>
    private static Command ListTokens()
    {
        var list = new Command("list", "List API tokens: id, name, created, last used (never the token itself).");
        list.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var tokens = await services.GetRequiredService<ApiTokens>().ListAsync(ct);
            if (tokens.Count == 0)
            {
                Console.WriteLine("No API tokens yet: make one with `alerts tokens create --name NAME`.");
                return 0;
            }
            Console.WriteLine("ID\tNAME\tCREATED\tLAST USED");
            foreach (var t in tokens)
                Console.WriteLine($"{t.Id}\t{t.Name}\t{IncidentModel.Utc(t.CreatedAt)}\t{(t.LastUsedAt is { } used ? IncidentModel.Utc(used) : "never")}");
            return 0;
        }, migrate: true, ct));
        return list;
    }

    /// <summary><c>alerts tokens revoke ID|NAME</c>: deletes the token; a serving process refuses it within seconds.</summary>
    private static Command RevokeToken()
    {
        var which = new Argument<string>("id-or-name") { Description = "The token's id (from `alerts tokens list`), or its name." };
        var revoke = new Command("revoke", "Revoke an API token: the API refuses it within seconds.") { which };
        revoke.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var (outcome, matches) = await services.GetRequiredService<ApiTokens>().RevokeAsync(result.GetValue(which)!, ct);
            switch (outcome)
            {
                case ApiTokens.RevokeOutcome.Revoked:
                    Console.WriteLine($"Revoked token {matches[0].Id} ({matches[0].Name}).");
                    return 0;
                case ApiTokens.RevokeOutcome.Ambiguous:
                    await Console.Error.WriteLineAsync(
                        $"{matches.Count} tokens are named '{matches[0].Name}' (ids {string.Join(", ", matches.Select(t => t.Id))}): revoke one by its id.");
                    return 1;
                default:
                    await Console.Error.WriteLineAsync($"No token with the id or name '{result.GetValue(which)}': see `alerts tokens list`.");
                    return 1;
            }
        }, migrate: true, ct));
        return revoke;
    }

    public static Command Users()
    {
        var email = new Option<string>("--email") { Description = "The user whose sessions end.", Required = true };
        var signOutAll = new Command("sign-out-all", "End every Dashboard session of a user, on every node (a stolen or forgotten login).") { email };
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
