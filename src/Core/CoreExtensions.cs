using Alerts.Core.Data;
using Alerts.Core.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alerts.Core;

public static class CoreExtensions
{
    /// <summary>What every role and every command needs: validated options, the database and the clock.</summary>
    public static IHostApplicationBuilder AddAlertsCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddAlertsOptions();
        builder.Services.AddAlertsDatabase(DatabaseOptions.ProviderIn(builder.Configuration));
        return builder;
    }
}
