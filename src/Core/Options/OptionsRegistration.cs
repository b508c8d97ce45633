using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Alerts.Core.Options;

public static class OptionsRegistration
{
    /// <summary>Binds a section, validates it with a rule set whose messages name the key, and checks it at start-up.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>> rules)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new RuleValidator<T>(rules));
        services.AddSingleton(new OptionsSection(section, typeof(T)));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    public static IServiceCollection AddAlertsOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<AlertsOptions>(AlertsOptions.SectionName, AlertsOptions.Validate);
        services.AddValidatedOptions<ScrubbingOptions>(ScrubbingOptions.SectionName, ScrubbingOptions.Validate);
        services.AddValidatedOptions<RetentionOptions>(RetentionOptions.SectionName, RetentionOptions.Validate);
        services.AddValidatedOptions<Monitors.MonitorsOptions>(Monitors.MonitorsOptions.SectionName, Monitors.MonitorsOptions.Validate);
        services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.SectionName, DatabaseOptions.Validate)
            .Configure<IConfiguration>((o, config) =>
                o.ConnectionString = config.GetConnectionString(DatabaseOptions.ConnectionStringName)
                    ?? (o.Provider == DatabaseProvider.Sqlite ? DatabaseOptions.DefaultSqlite : ""));
        services.AddValidatedOptions<MessagingOptions>(MessagingOptions.SectionName, MessagingOptions.Validate)
            .Configure<IConfiguration>((o, config) =>
                o.RabbitMqUri = config.GetConnectionString(MessagingOptions.ConnectionStringName) ?? "");
        return services;
    }

    private sealed class RuleValidator<T>(Func<T, IEnumerable<string>> rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var errors = rules(options).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
