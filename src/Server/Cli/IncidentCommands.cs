using System.CommandLine;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Dashboard.Api;
using Alerts.Dashboard.Pages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Alerts.Server.Cli;

/// <summary><c>alerts incidents list|resolve</c>: the JSON API's list and resolve, for scripts on the server itself.</summary>
internal static class IncidentCommands
{
    public static Command Create() => new("incidents", "List and resolve incidents.") { List(), Resolve() };

    private static Command List()
    {
        var status = new Option<string>("--status") { Description = "open, resolved, ignored or snoozed (default: all)." };
        var kind = new Option<string>("--kind") { Description = "error or broken_link (default: both)." };
        var project = new Option<long?>("--project") { Description = "Only this project's id." };
        var environment = new Option<string>("--environment") { Description = "Only incidents whose latest event came from this environment." };
        var limit = new Option<int?>("--limit") { Description = $"At most this many, the latest seen first (default {IncidentFilter.DefaultLimit})." };
        var list = new Command("list", "List incidents, tab-separated, the latest seen first.") { status, kind, project, environment, limit };
        list.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var filter = IncidentFilter.Parse(result.GetValue(status), result.GetValue(kind), result.GetValue(project), result.GetValue(environment),
                null, null, null, result.GetValue(limit), out var errors);
            if (errors.Count > 0)
            {
                foreach (var (name, messages) in errors) await Console.Error.WriteLineAsync($"--{name}: {string.Join(' ', messages)}");
                return 2;
            }
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var page = await IncidentList.QueryAsync(db, filter, ct);
            Console.WriteLine("ID\tPROJECT\tKIND\tSTATUS\tCOUNT\tLAST SEEN\tTITLE");
            foreach (var i in page.Items)
                Console.WriteLine($"{i.Id}\t{i.ProjectId}\t{i.Kind}\t{i.Status}\t{i.Count}\t{IncidentModel.Utc(i.LastSeen)}\t{i.Title}");
            return 0;
        }, migrate: true, ct));
        return list;
    }

    private static Command Resolve()
    {
        var ids = new Argument<long[]>("id") { Description = "The incidents' ids.", Arity = ArgumentArity.OneOrMore };
        var resolve = new Command("resolve", "Resolve incidents: the next occurrence of one is a regression, mailed again.") { ids };
        resolve.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
            var clock = services.GetRequiredService<TimeProvider>();
            var missing = 0;
            foreach (var id in result.GetValue(ids)!)
            {
                if ((await IncidentsApi.SetStatus(id, IncidentStatus.Resolved, db, clock, ct)).Result is Ok<IncidentSummary> ok)
                    Console.WriteLine($"Resolved incident {id}: {ok.Value!.Title}");
                else
                {
                    await Console.Error.WriteLineAsync($"There is no incident {id}.");
                    missing++;
                }
            }
            return missing == 0 ? 0 : 1;
        }, migrate: true, ct));
        return resolve;
    }
}
