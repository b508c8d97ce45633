using System.CommandLine;
using Alerts.Core;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Alerts.Server.Cli;

/// <summary><c>alerts projects add|list|rename|delete</c>.</summary>
internal static class ProjectCommands
{
    public static Command Create()
    {
        var baseUrl = new Option<string>("--base-url")
        {
            Description = "The collector's public URL, used to print DSNs (default: Alerts:BaseUrl, else http://localhost:5000).",
        };
        string BaseUrl(ParseResult result, IServiceProvider services) =>
            result.GetValue(baseUrl) ?? services.GetRequiredService<IOptions<AlertsOptions>>().Value.PublicBaseUrl ?? "http://localhost:5000";
        var name = new Argument<string>("name") { Description = "The project's name." };
        var add = new Command("add", "Add a project and print its key and DSN.") { name, baseUrl };
        add.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var (project, key) = await ProjectCatalog.AddAsync(db, result.GetValue(name)!, DateTime.UtcNow, ct);
            var id = project.Id;
            Console.WriteLine($"Project {id}: {project.Name}");
            Console.WriteLine($"Key: {key}");
            Console.WriteLine($"DSN: {ProjectKeyFormat.Dsn(BaseUrl(result, services), key, id)}");
            return 0;
        }, migrate: true, ct));

        var list = new Command("list", "List projects with their keys and DSNs.") { baseUrl };
        list.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var projects = await db.Projects.Include(p => p.Keys).OrderBy(p => p.Id).ToListAsync(ct);
            if (projects.Count == 0) Console.WriteLine("No projects yet: add one with `alerts projects add NAME`.");
            foreach (var p in projects)
            {
                Console.WriteLine($"{p.Id}\t{p.Name}");
                foreach (var k in p.Keys.Where(k => k.RevokedAt == null))
                    Console.WriteLine($"\tkey {k.Key}\tDSN {ProjectKeyFormat.Dsn(BaseUrl(result, services), k.Key, p.Id)}");
            }
            return 0;
        }, migrate: true, ct));
        return new Command("projects", "Manage projects.") { add, list, Rename(), Delete() };
    }

    private static Argument<string> ProjectArgument() => new("id-or-name") { Description = "The project's id (from `alerts projects list`), or its name." };

    /// <summary><c>alerts projects rename ID|NAME NEW-NAME</c>.</summary>
    private static Command Rename()
    {
        var which = ProjectArgument();
        var newName = new Argument<string>("new-name") { Description = "The project's new name." };
        var rename = new Command("rename", "Rename a project.") { which, newName };
        OnProject(rename, which, async (result, db, project, ct) =>
        {
            var name = result.GetValue(newName)!.Trim();
            if (name.Length == 0)
            {
                await Console.Error.WriteLineAsync("A project needs a name.");
                return 2;
            }
            var old = project.Name;
            project.Name = name;
            await db.SaveChangesAsync(ct);
            Console.WriteLine($"Project {project.Id}: {old} is now {name}.");
            return 0;
        });
        return rename;
    }

    /// <summary><c>alerts projects delete ID|NAME [--yes]</c>: with its incidents, events and mails, after a confirmation.</summary>
    private static Command Delete()
    {
        var which = ProjectArgument();
        var yes = new Option<bool>("--yes") { Description = "Delete without asking (for scripts)." };
        var delete = new Command("delete", "Delete a project with its keys, incidents, events and mails.") { which, yes };
        OnProject(delete, which, async (result, db, project, ct) =>
        {
            var incidents = await db.Incidents.CountAsync(i => i.ProjectId == project.Id, ct);
            var what = $"project {project.Id} ({project.Name}) with its {incidents} incident(s), their events and mails";
            if (!result.GetValue(yes))
            {
                if (Console.IsInputRedirected)
                {
                    await Console.Error.WriteLineAsync($"This deletes {what}: give --yes to do so without being asked.");
                    return 2;
                }
                Console.Write($"Delete {what}? Type the project's name to confirm: ");
                if (Console.ReadLine()?.Trim() != project.Name)
                {
                    await Console.Error.WriteLineAsync("Not confirmed; nothing deleted.");
                    return 1;
                }
            }
            await ProjectCatalog.DeleteAsync(db, project.Id, ct);
            Console.WriteLine($"Deleted {what}.");
            return 0;
        });
        return delete;
    }

    /// <summary>Runs <paramref name="act"/> on the project the argument names, when it may be changed; exit code 1 otherwise.</summary>
    private static void OnProject(Command command, Argument<string> which, Func<ParseResult, AlertsDbContext, Project, CancellationToken, Task<int>> act) =>
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            return await ChangeableAsync(services, db, result.GetValue(which)!, ct) is { } project ? await act(result, db, project, ct) : 1;
        }, migrate: true, ct));

    /// <summary>The project to change, or null with the reason said: unknown, ambiguous, built in, or set by configuration (which restores it at start-up).</summary>
    private static async Task<Project?> ChangeableAsync(IServiceProvider services, AlertsDbContext db, string idOrName, CancellationToken ct)
    {
        var project = await ProjectCatalog.FindAsync(db, idOrName, ct);
        string? refusal = null;
        if (project is null) refusal = $"No project with the id or name '{idOrName}' (or several have that name: use the id); see `alerts projects list`.";
        else if (project.Id == ProjectSeeder.BuiltInProjectId) refusal = $"Project {project.Id} is Alerts' own (self-monitoring); it stays.";
        else if (services.GetRequiredService<IOptions<AlertsOptions>>().Value.Projects.FindIndex(p => p.Id == project.Id) is var i and >= 0)
            refusal = $"Project {project.Id} is set by Alerts:Projects:{i}, which restores it at every start: change it there.";
        if (refusal is null) return project;
        await Console.Error.WriteLineAsync(refusal);
        return null;
    }

}
