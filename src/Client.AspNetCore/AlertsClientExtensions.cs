using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Alerts.Client.AspNetCore;

/// <summary>Registration: <c>builder.Services.AddAlerts(o =&gt; o.Dsn = "...")</c>, then <c>app.UseAlerts()</c>.</summary>
public static class AlertsClientExtensions
{
    /// <summary>
    /// Adds the client: options from the <c>Alerts</c> section, then <paramref name="configure"/>; validated at start-up.
    /// Unset Environment, Release and ServerName default to the host's environment name, the app assembly's
    /// informational version and the machine name.
    /// </summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, Action<AlertsClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AlertsClientOptions>().BindConfiguration(AlertsClientOptions.SectionName);
        if (configure is not null) options.Configure(configure);
        options.PostConfigure<IHostEnvironment>((o, host) =>
        {
            o.Environment ??= host.EnvironmentName;
            o.Release ??= VersionOf(host.ApplicationName);
            o.ServerName ??= System.Environment.MachineName;
        });
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertsClientOptions>, AlertsClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(AlertsEventBuffer)))
            services.AddCollectorHttpClient(); // once: a second pipeline would retry each retry
        services.TryAddSingleton<AlertsEventBuffer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AlertsEventSender>());
        return services;
    }

    /// <summary>
    /// Reports unhandled exceptions and referred 404s of what comes after it in the pipeline. Place it after
    /// <c>UseExceptionHandler</c> and <c>UseStatusCodePages</c>, before the endpoints: the app's own error pages
    /// still answer; an exception the app's handler already handled is reported too.
    /// </summary>
    public static IApplicationBuilder UseAlerts(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<AlertsEventBuffer>() is null)
            throw new InvalidOperationException("Call builder.Services.AddAlerts(...) before app.UseAlerts().");
        return app.UseMiddleware<AlertsMiddleware>();
    }

    private static string? VersionOf(string applicationName)
    {
        try
        {
            return Assembly.Load(new AssemblyName(applicationName)).GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or ArgumentException)
        {
            return null;
        }
    }

    private sealed class AlertsClientOptionsValidator : IValidateOptions<AlertsClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, AlertsClientOptions options)
        {
            var errors = AlertsClientOptions.Validate(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
