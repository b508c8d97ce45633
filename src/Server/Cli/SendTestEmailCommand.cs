using System.CommandLine;
using Alerts.Core.Options;
using Alerts.Notifier.Mail;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Alerts.Server.Cli;

/// <summary><c>alerts sendtestemail [--admins] [--managers] [address ...]</c>, as Django's sendtestemail.</summary>
internal static class SendTestEmailCommand
{
    public static Command Create()
    {
        var addresses = new Argument<string[]>("address") { Description = "Addresses to send the test mail to.", Arity = ArgumentArity.ZeroOrMore };
        var admins = new Option<bool>("--admins") { Description = "Send to Alerts:Admins." };
        var managers = new Option<bool>("--managers") { Description = "Send to Alerts:Managers." };
        var command = new Command("sendtestemail", "Send a test mail through the configured mail backend.") { addresses, admins, managers };
        command.SetAction((result, ct) => AlertsCli.WithCommandHost(result, async services =>
        {
            var settings = services.GetRequiredService<IOptions<AlertsOptions>>().Value;
            var email = services.GetRequiredService<IOptions<EmailOptions>>().Value;
            var sender = services.GetRequiredService<IMailSender>();
            var subject = $"Test email from {Environment.MachineName} on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z";
            const string body = "If you're reading this, it was successful.";

            var batches = new List<(string What, List<MailboxAddress> To)>();
            var explicitTo = result.GetValue(addresses) ?? [];
            var given = new List<MailboxAddress>();
            foreach (var text in explicitTo)
            {
                if (!Recipient.TryParse(text, out var recipient))
                {
                    await Console.Error.WriteLineAsync($"'{text}' is not an e-mail address.");
                    return 2;
                }
                given.Add(new MailboxAddress(recipient.Name, recipient.Email));
            }
            if (given.Count > 0) batches.Add(("the given addresses", given));
            if (result.GetValue(admins)) batches.Add(("ADMINS", [.. settings.Admins.Select(r => new MailboxAddress(r.Name, r.Email))]));
            if (result.GetValue(managers)) batches.Add(("MANAGERS", [.. settings.Managers.Select(r => new MailboxAddress(r.Name, r.Email))]));
            if (batches.Count == 0)
            {
                await Console.Error.WriteLineAsync("Give at least one address, --admins or --managers.");
                return 2;
            }

            var failed = false;
            foreach (var (what, to) in batches)
            {
                if (to.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"No {what} are configured; nothing sent to them.");
                    failed = true;
                    continue;
                }
                var message = AlertMessageFactory.CreatePlain(subject, body, to, settings);
                var r = await sender.SendAsync([message], ct).FirstAsync(ct);
                var via = email.Backend == EmailBackend.Smtp ? $"{email.Host}:{email.Port}" : email.Backend.ToString();
                if (r.Outcome == SendOutcome.Sent)
                    Console.WriteLine($"Sent to {what} ({string.Join(", ", to.Select(a => a.Address))}) via {via}: {r.Detail}");
                else
                {
                    await Console.Error.WriteLineAsync($"Could not send to {what} via {via}: {r.Detail}");
                    failed = true;
                }
            }
            return failed ? 1 : 0;
        }, migrate: false, ct, usesDatabase: false));
        return command;
    }
}
