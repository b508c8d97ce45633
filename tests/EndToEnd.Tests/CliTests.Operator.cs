using System.Text.RegularExpressions;
using Alerts.TestSupport;

namespace Alerts.EndToEnd.Tests;

/// <summary>The operator's verbs (users, projects, monitors, incidents, check) on the database and mail server a served process uses.</summary>
public sealed partial class CliTests
{
    private static readonly Dictionary<string, string> NoSettings = [];

    [Fact]
    public async Task Users_ListSetPasswordDelete_OnTheServedDatabase()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        const string email = "ops@example.com";
        var created = await alerts.RunAsync(NoSettings, "createuser", "--email", email, "--password", "correct horse battery");
        Assert.True(created.ExitCode == 0, $"createuser failed: {created}");

        var list = await alerts.RunAsync(NoSettings, "users", "list");
        var asked = await alerts.RunAsync(NoSettings, "users", "set-password", "--email", email);
        var set = await alerts.RunAsync(NoSettings, "users", "set-password", "--email", email, "--password", "a new long password");
        var unknown = await alerts.RunAsync(NoSettings, "users", "set-password", "--email", "nobody@example.com", "--password", "a new long password");
        var deleted = await alerts.RunAsync(NoSettings, "users", "delete", "--email", email);
        var again = await alerts.RunAsync(NoSettings, "users", "delete", "--email", email);
        var empty = await alerts.RunAsync(NoSettings, "users", "list");

        Assert.True(list.ExitCode == 0, $"users list failed: {list}");
        Assert.StartsWith($"EMAIL\tCREATED\tLOCKED UNTIL\n{email}\t", list.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.True(asked.ExitCode == 2, $"set-password without a terminal or --password should exit 2: {asked}");
        Assert.Contains("Give --password", asked.StandardError, StringComparison.Ordinal);
        Assert.True(set.ExitCode == 0, $"set-password failed: {set}");
        Assert.True(unknown.ExitCode == 1, $"set-password of an unknown user should exit 1: {unknown}");
        Assert.True(deleted.ExitCode == 0, $"users delete failed: {deleted}");
        Assert.True(again.ExitCode == 1, $"deleting a deleted user should exit 1: {again}");
        Assert.DoesNotContain(email, empty.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitors_AddPrintsAPingUrlThatWorks_ListPauseResumeDelete()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        await alerts.StartServeAsync(NoSettings);
        var baseUrl = alerts.BaseAddress.AbsoluteUri.TrimEnd('/');

        var noProject = await alerts.RunAsync(NoSettings, "monitors", "add", "nightly-backup", "--project", "1", "--schedule", "30 2 * * *");
        var project = await alerts.RunAsync(NoSettings, "projects", "add", "shop");
        var bad = await alerts.RunAsync(NoSettings, "monitors", "add", "nightly-backup", "--project", "1", "--schedule", "61 2 * * *");
        var added = await alerts.RunAsync(NoSettings, "monitors", "add", "nightly-backup", "--project", "1", "--schedule", "30 2 * * *",
            "--timezone", "Europe/Berlin", "--checkin-margin", "10", "--max-runtime", "60", "--base-url", baseUrl);
        Assert.True(noProject.ExitCode == 1, $"a monitor of a project that does not exist should exit 1: {noProject}");
        Assert.Equal("There is no project 1: `alerts projects list` shows them.", noProject.StandardError.Trim());
        Assert.True(project.ExitCode == 0, $"projects add failed: {project}");
        Assert.True(bad.ExitCode == 2, $"a bad crontab should exit 2: {bad}");
        Assert.Contains("schedule", bad.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.True(added.ExitCode == 0, $"monitors add failed: {added}");
        var ping = PingLine().Match(added.StandardOutput).Groups["url"].Value;
        Assert.StartsWith($"{baseUrl}/ping/", ping, StringComparison.Ordinal);

        // The printed URL is the crontab's one-liner target: the served process takes it, and the monitor is up.
        using (var ok = await alerts.Client.GetAsync(new Uri(ping)))
            Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        var list = await alerts.RunAsync(NoSettings, "monitors", "list", "--base-url", baseUrl);
        var row = Assert.Single(list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Split('\t');
        Assert.Equal(["1", "nightly-backup", "up", ping], [row[1], row[2], row[3], row[5]]);
        Assert.Contains("30 2 * * *", row[4], StringComparison.Ordinal);

        var paused = await alerts.RunAsync(NoSettings, "monitors", "pause", row[0]);
        var listedPaused = await alerts.RunAsync(NoSettings, "monitors", "list");
        var resumed = await alerts.RunAsync(NoSettings, "monitors", "resume", row[0]);
        var deleted = await alerts.RunAsync(NoSettings, "monitors", "delete", row[0]);
        var again = await alerts.RunAsync(NoSettings, "monitors", "delete", row[0]);
        var empty = await alerts.RunAsync(NoSettings, "monitors", "list");
        using var gone = await alerts.Client.GetAsync(new Uri(ping));

        Assert.True(paused.ExitCode == 0 && resumed.ExitCode == 0 && deleted.ExitCode == 0, $"{paused}\n{resumed}\n{deleted}");
        Assert.Contains("\tpaused\t", listedPaused.StandardOutput, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 1, $"deleting a deleted monitor should exit 1: {again}");
        Assert.StartsWith("No monitors yet", empty.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [GeneratedRegex(@"^Ping URL: (?<url>\S+)$", RegexOptions.Multiline)]
    private static partial Regex PingLine();

    [Fact]
    public async Task ProjectsRenameAndDelete_DeleteAsksForYes_AndTakesTheIncidentsWithIt()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var added = await alerts.RunAsync(NoSettings, "projects", "add", "web");
        var key = KeyLine().Match(added.StandardOutput).Groups["key"].Value;
        await alerts.StartServeAsync(NoSettings);
        await alerts.Client.PostEventAsync(SampleEvents.Error(), key: key);
        await Wait.UntilAsync(async () => (await alerts.RunAsync(NoSettings, "incidents", "list", "--project", "1")).StandardOutput.Contains("ZeroDivisionError", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the incident of project 1");

        var renamed = await alerts.RunAsync(NoSettings, "projects", "rename", "web", "shop");
        var unconfirmed = await alerts.RunAsync(NoSettings, "projects", "delete", "shop");
        var builtIn = await alerts.RunAsync(NoSettings, "projects", "delete", "0", "--yes");
        var deleted = await alerts.RunAsync(NoSettings, "projects", "delete", "shop", "--yes");
        var projects = await alerts.RunAsync(NoSettings, "projects", "list");
        var incidents = await alerts.RunAsync(NoSettings, "incidents", "list", "--project", "1");

        Assert.True(renamed.ExitCode == 0, $"projects rename failed: {renamed}");
        Assert.Equal("Project 1: web is now shop.", renamed.StandardOutput.Trim());
        Assert.True(unconfirmed.ExitCode == 2, $"delete without --yes and without a terminal should exit 2: {unconfirmed}");
        Assert.Contains("give --yes", unconfirmed.StandardError, StringComparison.Ordinal);
        Assert.True(builtIn.ExitCode == 1, $"the built-in project should stay: {builtIn}");
        Assert.True(deleted.ExitCode == 0, $"projects delete failed: {deleted}");
        Assert.Equal("Deleted project 1 (shop) with its 1 incident(s), their events and mails.", deleted.StandardOutput.Trim());
        Assert.DoesNotContain("shop", projects.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("ID\tPROJECT\tKIND\tSTATUS\tCOUNT\tLAST SEEN\tTITLE", incidents.StandardOutput.Trim());
    }

    [Fact]
    public async Task ProjectsDelete_ConfiguredProject_IsRefusedNamingTheSetting()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(E2eSettings.Smtp(FreePort.Next()), "projects", "delete", "shop", "--yes");

        Assert.True(run.ExitCode == 1, $"a configured project should not be deleted: {run}");
        Assert.Contains("Alerts:Projects:0", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IncidentsListAndResolve_ForScripts()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(FreePort.Next());
        await alerts.StartServeAsync(env);
        await alerts.Client.PostEventAsync(SampleEvents.Error());
        await alerts.Client.PostEventAsync(SampleEvents.BrokenLink());
        var open = await Wait.UntilAsync<AlertsRun>(async () =>
        {
            var run = await alerts.RunAsync(env, "incidents", "list", "--status", "open");
            return run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3 ? run : null;
        }, TimeSpan.FromSeconds(30), "two open incidents");
        var error = Assert.Single(open.StandardOutput.Split('\n'), l => l.Contains("\terror\t", StringComparison.Ordinal)).Split('\t');

        var resolved = await alerts.RunAsync(env, "incidents", "resolve", error[0]);
        var missing = await alerts.RunAsync(env, "incidents", "resolve", "99999");
        var stillOpen = await alerts.RunAsync(env, "incidents", "list", "--status", "open", "--kind", "error");
        var bad = await alerts.RunAsync(env, "incidents", "list", "--status", "closed");

        Assert.Equal(["1", "error", "open", "1"], error[1..5]);
        Assert.True(resolved.ExitCode == 0, $"incidents resolve failed: {resolved}");
        Assert.StartsWith($"Resolved incident {error[0]}: ZeroDivisionError", resolved.StandardOutput, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 1, $"resolving an unknown incident should exit 1: {missing}");
        Assert.Single(stillOpen.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // the header only
        Assert.True(bad.ExitCode == 2, $"an unknown status should exit 2: {bad}");
        Assert.Equal("--status: Must be open, resolved, ignored or snoozed.", bad.StandardError.Trim());
    }

    [Fact]
    public async Task Check_StartTls_SaysWhatItFound_AndSendsNothing()
    {
        await using var aiosmtpd = await AiosmtpdServer.StartAsync(startTls: true, requireStartTls: true);
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(aiosmtpd.Port).With(("Alerts__Email__UseTls", "true"), ("Alerts__Email__TrustedServerCertFile", TestCertificates.CertPath));
        Assert.Equal(0, (await alerts.RunAsync(env, "migrate")).ExitCode);

        var run = await alerts.RunAsync(env, "check");

        Assert.True(run.ExitCode == 0, $"check failed: {run}");
        var all = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["warning: Alerts:BaseUrl is not se", "warning: The Dashboard's key ring"], all.Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).Select(l => l[..33]));
        var lines = all.Where(l => !l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.Equal("Configuration: valid (13 sections)", lines[0]);
        Assert.Matches(@"^Database: Sqlite data/alerts\.db: reachable, [0-9]+ migration\(s\) applied, 0 pending$", lines[1]);
        Assert.Equal("Bus: InMemory, inside this process (one process only): nothing to reach", lines[2]);
        Assert.Matches($@"^Mail: Smtp 127\.0\.0\.1:{aiosmtpd.Port}: EHLO answered, STARTTLS \(Tls1[23]\), no AUTH( \(offers [A-Z0-9 -]+\))?; nothing sent$", lines[3]);
        Assert.Empty(await aiosmtpd.GetMailsAsync());
    }

    [Fact]
    public async Task Check_ImplicitTlsWithAuth_LogsIn_AndAWrongPasswordOrBrokerFailsWithExitCode1()
    {
        const string user = "alerts", password = "s3cret-pass";
        await using var mailDev = await MailDevServer.StartAsync(implicitTls: true, user: user, password: password);
        await using var alerts = new AlertsProcess(output.WriteLine);
        var env = E2eSettings.Smtp(mailDev.SmtpPort).With(
            ("Alerts__Email__UseSsl", "true"),
            ("Alerts__Email__TrustedServerCertFile", TestCertificates.CertPath),
            ("Alerts__Email__HostUser", user),
            ("Alerts__Email__HostPassword", password));
        Assert.Equal(0, (await alerts.RunAsync(env, "migrate")).ExitCode);

        var good = await alerts.RunAsync(env, "check");
        var wrong = await alerts.RunAsync(env.With(("Alerts__Email__HostPassword", "wrong")), "check");
        var broker = await alerts.RunAsync(env, "check", "--Alerts:Messaging:Transport=RabbitMq", $"--ConnectionStrings:RabbitMq=amqp://a:b@127.0.0.1:{FreePort.Next()}/");

        Assert.True(good.ExitCode == 0, $"check failed: {good}");
        Assert.Contains($"Mail: Smtp 127.0.0.1:{mailDev.SmtpPort}: EHLO answered, implicit TLS", good.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"AUTH as {user}; nothing sent", good.StandardOutput, StringComparison.Ordinal);
        Assert.True(wrong.ExitCode == 1, $"check with a wrong password should exit 1: {wrong}");
        Assert.Contains($"Mail: Smtp 127.0.0.1:{mailDev.SmtpPort}: FAILED, could not log in", wrong.StandardOutput, StringComparison.Ordinal);
        Assert.True(broker.ExitCode == 1, $"check with no broker should exit 1: {broker}");
        Assert.Contains("Bus: RabbitMq 127.0.0.1:", broker.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(": FAILED, ", broker.StandardOutput.Split('\n').Single(l => l.StartsWith("Bus:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Empty(await mailDev.GetMailsAsync());
    }

    [Fact]
    public async Task Check_BadConfiguration_ExitsWith2()
    {
        await using var alerts = new AlertsProcess(output.WriteLine);

        var run = await alerts.RunAsync(NoSettings, "check", "--Alerts:Email:Prot=25");

        Assert.True(run.ExitCode == 2, $"expected exit code 2: {run}");
        Assert.Equal("Configuration error:\n  - Alerts:Email:Prot is not a setting; did you mean Alerts:Email:Port?", run.StandardError.Trim().ReplaceLineEndings("\n"));
    }
}
