using System.CommandLine;
using Alerts.Core;
using Alerts.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Server.Cli;

/// <summary><c>alerts projects add NAME</c> and <c>alerts projects list</c>.</summary>
internal static class ProjectCommands
{
    public static Command Create()
    {
        var baseUrl = new Option<string>("--base-url")
        {
            Description = "The collector's public URL, used to print DSNs.",
            DefaultValueFactory = _ => "http://localhost:5000",
        };
        var name = new Argument<string>("name") { Description = "The project's name." };
        var add = new Command("add", "Add a project and print its key and DSN.") { name, baseUrl };
        add.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var (project, key) = await ProjectCatalog.AddAsync(db, result.GetValue(name)!, DateTime.UtcNow, ct);
            var id = project.Id;
            Console.WriteLine($"Project {id}: {project.Name}");
            Console.WriteLine($"Key: {key}");
            Console.WriteLine($"DSN: {ProjectKeyFormat.Dsn(result.GetValue(baseUrl)!, key, id)}");
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
                    Console.WriteLine($"\tkey {k.Key}\tDSN {ProjectKeyFormat.Dsn(result.GetValue(baseUrl)!, k.Key, p.Id)}");
            }
            return 0;
        }, migrate: true, ct));
        return new Command("projects", "Manage projects.") { add, list };
    }

}
