using System.CommandLine;
using System.Text;
using Alerts.Core.Data;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Alerts.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Alerts.Server.Cli;

/// <summary>
/// <c>alerts check</c>, as Django's check: validates every setting of every role, then reaches the database, the bus
/// and the SMTP server (EHLO, STARTTLS, AUTH; nothing is sent) and says what it found. Exit code 1 when something
/// cannot be reached, 2 for a configuration error.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var command = new Command("check", "Validate the configuration; reach the database, the bus and the SMTP server without sending.");
        command.SetAction((result, ct) => AlertsCli.Guarded(async () =>
        {
            await using var app = AlertsApp.CreateServer(AlertsCli.ConfigurationArgs(result), Roles.All);
            app.Services.GetService<IStartupValidator>()?.Validate();
            var services = app.Services;
            Console.WriteLine($"Configuration: valid ({SettingsCatalog.Sections.Count} sections)");
            foreach (var warning in AlertsApp.StartupWarnings(services, Roles.All))
                Console.WriteLine($"  warning: {warning}");

            var ok = Report("Database", await DatabaseAsync(services, ct));
            ok &= Report("Bus", await BusAsync(services.GetRequiredService<IOptions<MessagingOptions>>().Value, ct));
            ok &= Report("Mail", await MailAsync(services, ct));
            return ok ? 0 : 1;
        }));
        return command;
    }

    private static bool Report(string what, (string Found, string? Error) outcome)
    {
        Console.WriteLine(outcome.Error is null ? $"{what}: {outcome.Found}" : $"{what}: {outcome.Found}FAILED, {outcome.Error}");
        return outcome.Error is null;
    }

    private static async Task<(string, string?)> DatabaseAsync(IServiceProvider services, CancellationToken ct)
    {
        var provider = services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider;
        await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync(ct);
        var connection = db.Database.GetDbConnection();
        var where = $"{provider} {connection.DataSource}{(connection.Database is { Length: > 0 } name && name != "main" ? $"/{name}" : "")}: ";
        try
        {
            if (!await db.Database.CanConnectAsync(ct))
                return (where, "cannot connect (or the database does not exist yet: `alerts migrate` creates it)");
            var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).Count();
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            return ($"{where}reachable, {applied} migration(s) applied, {pending} pending{(pending > 0 ? " (`alerts migrate` applies them)" : "")}", null);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return (where, ex.Message);
        }
    }

    private static async Task<(string, string?)> BusAsync(MessagingOptions options, CancellationToken ct)
    {
        if (options.Transport == MessagingTransport.InMemory) return ("InMemory, inside this process (one process only): nothing to reach", null);
        var uri = new Uri(options.RabbitMqUri);
        var where = $"RabbitMq {uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}{uri.AbsolutePath}: ";
        try
        {
            var factory = new ConnectionFactory { Uri = uri, RequestedConnectionTimeout = TimeSpan.FromSeconds(10), ClientProvidedName = "alerts check" };
            await using var connection = await factory.CreateConnectionAsync(ct);
            var version = connection.ServerProperties is { } properties && properties.TryGetValue("version", out var value) && value is byte[] v ? $" (RabbitMQ {Encoding.UTF8.GetString(v)})" : "";
            await connection.CloseAsync(ct);
            return ($"{where}connected{version}", null);
        }
        catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.OperationInterruptedException
            or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return (where, ex.InnerException?.Message ?? ex.Message);
        }
    }

    private static async Task<(string, string?)> MailAsync(IServiceProvider services, CancellationToken ct)
    {
        var email = services.GetRequiredService<IOptions<EmailOptions>>().Value;
        return services.GetRequiredService<IMailSender>() switch
        {
            SmtpMailSender smtp => await smtp.CheckAsync(ct) is var (found, error) ? ($"Smtp {email.Host}:{email.Port}: {found}", error) : default,
            FileMailSender => ($"File, .eml files in {Path.GetFullPath(email.FilePath)}: nothing to reach", null),
            _ => ($"{email.Backend}, printed by the process that sends: nothing to reach", null),
        };
    }
}
