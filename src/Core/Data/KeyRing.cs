using Alerts.Core.MailActions;
using Alerts.Core.Options;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alerts.Core.Data;

/// <summary>
/// ASP.NET Core data protection with one key ring for every node and restart, in the database: the Dashboard signs login
/// cookies and antiforgery tokens with it, the notifier signs the action links in mails and the Dashboard checks them.
/// </summary>
public static class KeyRing
{
    /// <summary>The application name isolates this ring's keys from other apps' rings.</summary>
    public const string ApplicationName = "Alerts";

    private sealed class Registered;

    public static IHostApplicationBuilder AddAlertsKeyRing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(s => s.ServiceType == typeof(Registered))) return builder; // the dashboard and the notifier in one process
        services.AddSingleton<Registered>();
        services.AddSingleton<MailActionTokens>();
        services.AddValidatedOptions<KeyRingOptions>(KeyRingOptions.SectionName, KeyRingOptions.Validate);
        var keyRing = services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<AlertsDbContext>();
        // Read here because data protection takes the certificate itself; a bad one is left to the start-up validation's message.
        var keys = builder.Configuration.GetSection(KeyRingOptions.SectionName).Get<KeyRingOptions>() ?? new KeyRingOptions();
        if (keys.ProtectsKeys && !KeyRingOptions.Validate(keys).Any())
        {
            var certificate = keys.LoadCertificate();
            keyRing.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate); // decrypts without the machine's certificate store
        }
        return builder;
    }
}
