using System.CommandLine;
using Alerts.Dashboard.Accounts;
using Alerts.Dashboard.Pages;

namespace Alerts.Server.Cli;

/// <summary><c>alerts createuser</c>, <c>alerts users list|delete|set-password|sign-out-all</c> and <c>alerts tokens create|list|revoke</c>.</summary>
internal static class AccountCommands
{
    public static Command CreateUser()
    {
        var email = new Option<string>("--email") { Description = "The user's e-mail, used to log in.", Required = true };
        var password = new Option<string>("--password") { Description = "The password; asked for when left out." };
        var command = new Command("createuser", "Create a Dashboard user (or set a new password for an existing one).") { email, password };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var pw = result.GetValue(password) ?? (Console.IsInputRedirected ? null : ReadPassword("Password: "));
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

    public static Command Users() => new("users", "Manage Dashboard users.")
    {
        ListUsers(),
        OnUser("delete", "Delete a Dashboard user; their sessions end.", (users, email, ct) => users.DeleteAsync(email, ct), "Deleted user {0}."),
        SetPassword(),
        OnUser("sign-out-all", "End every Dashboard session of a user, on every node (a stolen or forgotten login).",
            (users, email, ct) => users.SignOutEverywhereAsync(email, ct), "Every session of {0} has ended."),
    };

    /// <summary>A verb on one user named by <c>--email</c>; exit code 1 when there is no such user.</summary>
    private static Command OnUser(string name, string description, Func<UserAccounts, string, CancellationToken, Task<bool>> act, string done)
    {
        var email = new Option<string>("--email") { Description = "The user's e-mail.", Required = true };
        var command = new Command(name, description) { email };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var who = result.GetValue(email)!;
            if (!await act(services.GetRequiredService<UserAccounts>(), who, ct))
            {
                await Console.Error.WriteLineAsync($"There is no user {who}.");
                return 1;
            }
            Console.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, done, who));
            return 0;
        }, migrate: true, ct));
        return command;
    }

    /// <summary><c>alerts users list</c>: e-mail, created, and whether the account is locked after failed logins.</summary>
    private static Command ListUsers()
    {
        var list = new Command("list", "List Dashboard users: e-mail, created, locked until.");
        list.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var users = await services.GetRequiredService<UserAccounts>().ListAsync(ct);
            if (users.Count == 0)
            {
                Console.WriteLine("No users yet: make one with `alerts createuser --email E`.");
                return 0;
            }
            Console.WriteLine("EMAIL\tCREATED\tLOCKED UNTIL");
            foreach (var u in users)
                Console.WriteLine($"{u.Email}\t{IncidentModel.Utc(u.CreatedAt)}\t{(u.LockoutEnd is { } end && end > DateTime.UtcNow ? IncidentModel.Utc(end) : "-")}");
            return 0;
        }, migrate: true, ct));
        return list;
    }

    /// <summary><c>alerts users set-password --email E [--password P]</c>: asked for twice in a terminal; the user's sessions end.</summary>
    private static Command SetPassword()
    {
        var email = new Option<string>("--email") { Description = "The user.", Required = true };
        var password = new Option<string>("--password") { Description = "The new password; asked for twice when left out." };
        var command = new Command("set-password", "Set a Dashboard user's password (their sessions end).") { email, password };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var pw = result.GetValue(password);
            if (pw is null)
            {
                if (Console.IsInputRedirected)
                {
                    await Console.Error.WriteLineAsync("Give --password, or run in a terminal to be asked for it.");
                    return 2;
                }
                pw = ReadPassword("New password: ");
                if (ReadPassword("Again: ") != pw)
                {
                    await Console.Error.WriteLineAsync("The passwords differ; nothing changed.");
                    return 2;
                }
            }
            if (!await services.GetRequiredService<UserAccounts>().SetPasswordAsync(result.GetValue(email)!, pw!, ct))
            {
                await Console.Error.WriteLineAsync($"There is no user {result.GetValue(email)}: make one with `alerts createuser`.");
                return 1;
            }
            Console.WriteLine($"Set a new password for {result.GetValue(email)}; their sessions have ended.");
            return 0;
        }, migrate: true, ct));
        return command;
    }

    private static string ReadPassword(string prompt)
    {
        Console.Write(prompt);
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
