using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Alerts.Notifier.Decide;

namespace Alerts.Notifier.Tests;

/// <summary>
/// A real, migrated database with project 1 and the Notifier's pipeline on it, without the HTTP host: where the direct
/// tests of Group, Decide and the consumers start.
/// </summary>
internal sealed class NotifierDatabase(ServiceProvider services) : IAsyncDisposable
{
    public const long Project = 1;

    public ServiceProvider Services => services;

    /// <param name="configure">The test's own services and settings, after the pipeline's.</param>
    public static async Task<NotifierDatabase> StartAsync(DatabaseProvider provider, string connectionString, Action<IServiceCollection>? configure = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddOptions<DatabaseOptions>().Configure(o => (o.Provider, o.ConnectionString) = (provider, connectionString));
        collection.AddAlertsDatabase(provider);
        collection.AddOptions<AlertsOptions>().Configure(o => o.Admins = [new Recipient { Name = "Ada Admin", Email = "ada@example.com" }]);
        collection.AddOptions<AlertPolicyOptions>();
        collection.AddOptions<RetentionOptions>();
        collection.AddSingleton(TimeProvider.System);
        collection.AddEventPipeline();
        configure?.Invoke(collection);
        var database = new NotifierDatabase(collection.BuildServiceProvider(validateScopes: true));
        await new DatabaseMigrator(database.Services.GetRequiredService<IDatabaseProvider>(), NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await database.QueryAsync(db => { db.Projects.Add(new Project { Id = Project, Name = "shop" }); return db.SaveChangesAsync(); });
        return database;
    }

    /// <summary>Stores <paramref name="count"/> accepted, ungrouped occurrences of one error; returns their ids.</summary>
    public async Task<List<string>> StoreAsync(string type, int count)
    {
        var start = DateTime.UtcNow;
        var events = Enumerable.Range(0, count).Select(i => StoredEvent.Create(Project, EventKind.Error,
            new EventPayload { Exception = new ExceptionInfo { Type = type, Value = "boom" } }, start.AddMilliseconds(i))).ToList();
        await QueryAsync(db => { db.Events.AddRange(events); return db.SaveChangesAsync(); });
        return [.. events.Select(e => e.Id)];
    }

    public async Task<T> QueryAsync<T>(Func<AlertsDbContext, Task<T>> query)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}
