using CsCheck;
using Alerts.Core.Data;
using Alerts.Core.Domain;
using Alerts.Core.Events;
using Alerts.Core.Options;
using Alerts.Notifier.Decide;
using Alerts.Notifier.Grouping;
using Alerts.Notifier.Sql;
using Alerts.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Alerts.Notifier.Tests;

/// <summary>
/// Group and Decide called directly, on a real database and without the HTTP host or the bus: what each stage does,
/// the same on SQLite and on PostgreSQL.
/// </summary>
public abstract class GroupAndDecideTests : IAsyncLifetime
{
    private NotifierDatabase _database = null!;

    protected abstract Task<(DatabaseProvider Provider, string ConnectionString)> DatabaseAsync();

    public async Task InitializeAsync()
    {
        var (provider, connectionString) = await DatabaseAsync();
        _database = await NotifierDatabase.StartAsync(provider, connectionString, services =>
        {
            services.Configure<AlertPolicyOptions>(o => o.ProjectCap = 2);
            services.Configure<RetentionOptions>(o => o.SamplesPerIncident = 3);
        });
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private protected NotifierDatabase Database => _database;

    private protected ServiceProvider Services => _database.Services;

    private EventPipeline Pipeline => Services.GetRequiredService<EventPipeline>();

    [Fact]
    public async Task Pipeline_OccurrencesOfOneError_AreOneIncidentCountedExactly_AndOneFirstOccurrenceMail()
    {
        var ids = await StoreAsync("KeyError", 5);

        var queued = await Pipeline.GroupAsync(ids, CancellationToken.None);

        var incident = await QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal(5, incident.Count);
        var mail = await QueryAsync(db => db.Notifications.SingleAsync());
        Assert.Equal([mail.Id], queued);
        Assert.Equal((NotificationReason.FirstOccurrence, NotificationHold.None, "first occurrence", NotificationStatus.Pending),
            (mail.Cause, mail.Hold, mail.Reason, mail.Status));
        Assert.Equal(3, await QueryAsync(db => db.Events.CountAsync(e => e.IncidentId == incident.Id))); // the newest samples only
    }

    [Fact]
    public async Task Pipeline_SameEventsAgain_CountsNothingTwice_AndQueuesNothing()
    {
        var ids = await StoreAsync("KeyError", 2);
        await Pipeline.GroupAsync(ids, CancellationToken.None);

        var again = await Pipeline.GroupAsync(ids, CancellationToken.None);

        Assert.Empty(again);
        Assert.Equal(2, (await QueryAsync(db => db.Incidents.SingleAsync())).Count);
        Assert.Equal(1, await QueryAsync(db => db.Notifications.CountAsync()));
    }

    [Fact]
    public async Task Pipeline_TwoCallersWithTheSameEvents_ClaimEachOnce_AndMailOnce()
    {
        var ids = await StoreAsync("KeyError", 40);

        var results = await Task.WhenAll(Pipeline.GroupAsync(ids, CancellationToken.None), Pipeline.GroupAsync(ids, CancellationToken.None));

        Assert.Equal(40, (await QueryAsync(db => db.Incidents.SingleAsync())).Count);
        Assert.Single(results.SelectMany(r => r));
    }

    [Fact]
    public async Task Pipeline_TwoNotifiersOnOneHotIncident_CountEveryEventOnce_AndMailTheFirstOnce()
    {
        var ids = await StoreAsync("KeyError", 400);
        var chunks = ids.Chunk(25).ToList();

        // A flood of one error: both notifiers go through every chunk (a republish hands each the other's events too),
        // in opposite orders, one transaction at a time each, so they meet on the incident's row and on each other's events.
        async Task<List<long>> NotifierAsync(IEnumerable<string[]> order)
        {
            var queued = new List<long>();
            foreach (var chunk in order) queued.AddRange(await Pipeline.GroupAsync(chunk, CancellationToken.None));
            return queued;
        }
        var results = await Task.WhenAll(Task.Run(() => NotifierAsync(chunks)), Task.Run(() => NotifierAsync(Enumerable.Reverse(chunks))));

        var incident = await QueryAsync(db => db.Incidents.SingleAsync());
        Assert.Equal(400, incident.Count);
        Assert.Equal(400, await QueryAsync(db => db.IncidentHourlyCounts.SumAsync(h => h.Count)));
        Assert.Equal(0, await QueryAsync(db => db.Events.CountAsync(e => e.IncidentId == null)));
        Assert.Equal(3, await QueryAsync(db => db.Events.CountAsync())); // the newest samples; every other event pruned
        var first = await QueryAsync(db => db.Notifications.Where(n => n.Cause == NotificationReason.FirstOccurrence).ToListAsync());
        Assert.Equal(first.Select(n => n.Id), results.SelectMany(r => r).Where(id => first.Any(n => n.Id == id)));
        Assert.Single(first);
    }

    // Under a flood, events of one batch share a received time (PostgreSQL keeps microseconds): the first and the latest
    // occurrence must each be one event wherever grouping and the mail ask for them, or the mail wants a payload never read.
    [Fact]
    public async Task Pipeline_EventsThatTieOnTime_AreGroupedOnce_AndTheMailNamesTheIncidentsLatestSample()
    {
        var at = DateTime.UtcNow;
        var incidents = 0;
        var occurrences = Gen.Select(Gen.Int[0, 2], Gen.Guid).Array[2, 8]; // three instants for up to eight events: ties
        await occurrences.SampleAsync(async generated =>
        {
            var type = $"TieError{++incidents}";
            var events = generated.DistinctBy(o => o.Item2).Select(o => StoredEvent.Create(NotifierDatabase.Project, EventKind.Error,
                new EventPayload { Exception = new ExceptionInfo { Type = type, Value = "boom" } }, at.AddMilliseconds(o.Item1), o.Item2.ToString("N"))).ToList();
            await QueryAsync(db => { db.Events.AddRange(events); return db.SaveChangesAsync(); });

            await Pipeline.GroupAsync([.. events.Select(e => e.Id)], CancellationToken.None);

            var latest = events.OrderBy(e => e.ReceivedAt).ThenBy(e => e.Id, StringComparer.Ordinal).Last().Id;
            var incident = await QueryAsync(db => db.Incidents.SingleAsync(i => i.Title == type + ": boom"));
            Assert.Equal((events.Count, latest), (incident.Count, incident.LastEventId));
            var mail = await QueryAsync(db => db.Notifications.SingleAsync(n => n.IncidentId == incident.Id));
            Assert.Equal((NotificationReason.FirstOccurrence, latest), (mail.Cause, mail.EventId));
            Assert.Contains(latest, await QueryAsync(db => db.Events.Where(e => e.IncidentId == incident.Id).Select(e => e.Id).ToListAsync()));
        }, iter: 40, threads: 1);
    }

    [Fact]
    public async Task Decide_PastTheProjectCap_HoldsTheMailBack_WithATypedHold()
    {
        var ids = new List<string>();
        foreach (var type in new[] { "KeyError", "ValueError", "TypeError" }) ids.AddRange(await StoreAsync(type, 1));

        var queued = await Pipeline.GroupAsync(ids, CancellationToken.None);

        var mails = await QueryAsync(db => db.Notifications.OrderBy(n => n.Id).ToListAsync());
        Assert.Equal(2, queued.Count);
        var held = Assert.Single(mails, n => n.Status == NotificationStatus.Skipped);
        Assert.Equal((NotificationReason.FirstOccurrence, NotificationHold.ProjectCap), (held.Cause, held.Hold));
        Assert.Equal("first occurrence; project cap reached (2 mails in 30 min)", held.Reason);
    }

    [Fact]
    public async Task Group_ReturnsTheIncidentWithItsOccurrences_AndDecidesNoMail()
    {
        var ids = await StoreAsync("KeyError", 3);
        await using var db = await Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();

        var grouped = Assert.Single(await Services.GetRequiredService<IncidentGrouper>().GroupAsync(db, ids, CancellationToken.None));
        await tx.CommitAsync();

        Assert.Equal(3, grouped.Incident.Count);
        Assert.Equal(ids.Order(), grouped.Reported.Select(o => o.Event.Id).Order());
        Assert.Empty(grouped.HeldBack);
        Assert.Equal(0, await QueryAsync(q => q.Notifications.CountAsync()));
    }

    // A message carries up to a thousand ids, and grouping's statements filter by them: each provider sends such a list
    // as one array parameter (json_each, = ANY). A parameter per id was bound by name in SQLite, a scan of the names each.
    [Fact]
    public async Task Claim_AThousandIds_TravelAsOneParameter_AndClaimTheStoredOnes()
    {
        var stored = await StoreAsync("KeyError", 40);
        List<string> ids = [.. stored, .. Enumerable.Range(0, 960).Select(i => $"unknown-{i}")];
        await using var db = await Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        await using var claim = await db.Database.BeginTransactionAsync();

        var claimed = await Services.GetRequiredService<NotifierSql>().ClaimAsync(db, ids, CancellationToken.None);
        var sql = db.Events.Where(e => ids.Contains(e.Id)).ToQueryString(); // the shape of the claim, the prune and the reads

        Assert.Equal(stored.Order(), claimed.Select(e => e.Id).Order());
        Assert.Single(sql.Split('\n'), line => line.StartsWith(".param set @", StringComparison.Ordinal) || line.StartsWith("-- @", StringComparison.Ordinal));
    }

    private Task<List<string>> StoreAsync(string type, int count) => _database.StoreAsync(type, count);

    private Task<T> QueryAsync<T>(Func<AlertsDbContext, Task<T>> query) => _database.QueryAsync(query);
}

public sealed class GroupAndDecideOnSqliteTests : GroupAndDecideTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerts-group-decide-").FullName;

    protected override Task<(DatabaseProvider, string)> DatabaseAsync() =>
        Task.FromResult((DatabaseProvider.Sqlite, $"Data Source={Path.Combine(_dir, "alerts.db")}"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class GroupAndDecideOnPostgresTests(GroupAndDecideOnPostgresTests.Server server) : GroupAndDecideTests, IClassFixture<GroupAndDecideOnPostgresTests.Server>
{
    private string _connectionString = "";

    protected override async Task<(DatabaseProvider, string)> DatabaseAsync() =>
        (DatabaseProvider.Postgres, _connectionString = await server.Postgres.CreateDatabaseAsync("alerts_" + Guid.NewGuid().ToString("N")));

    // A sweep or a redelivery hands a notifier ids already grouped. Were their rows locked by its claim, the transaction
    // that prunes such a sample (holding the incident's row) would wait for it while it waits for the incident: a deadlock.
    [Fact]
    public async Task Claim_OfRepublishedIds_LocksOnlyTheUngroupedOnes()
    {
        var sample = await Database.StoreAsync("KeyError", 1);
        await Services.GetRequiredService<EventPipeline>().GroupAsync(sample, CancellationToken.None);
        var fresh = await Database.StoreAsync("KeyError", 1);

        await using var db = await Services.GetRequiredService<IDbContextFactory<AlertsDbContext>>().CreateDbContextAsync();
        await using var claim = await db.Database.BeginTransactionAsync();
        var claimed = await Services.GetRequiredService<NotifierSql>().ClaimAsync(db, [.. sample, .. fresh], CancellationToken.None);

        Assert.Equal(fresh, claimed.Select(e => e.Id));
        Assert.True(await TryLockAsync(sample[0]));  // another transaction can prune the sample meanwhile
        Assert.False(await TryLockAsync(fresh[0])); // the claimed event is this transaction's
    }

    private async Task<bool> TryLockAsync(string id)
    {
        await using var other = new NpgsqlConnection(_connectionString);
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await using var cmd = new NpgsqlCommand("""SELECT 1 FROM "Events" WHERE "Id" = $1 FOR UPDATE NOWAIT""", other, tx) { Parameters = { new() { Value = id } } };
        try
        {
            await cmd.ExecuteScalarAsync();
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
    }

    /// <summary>One PostgreSQL server for the class; each test gets a database of its own.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public PostgresServer Postgres { get; private set; } = null!;

        public async Task InitializeAsync() => Postgres = await PostgresServer.StartAsync();

        public async Task DisposeAsync() => await Postgres.DisposeAsync();
    }
}
