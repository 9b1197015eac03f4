using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReturnsActors.Api.Security;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;
using ReturnsActors.Silo.Projections;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.IntegrationTests;

/// <summary>The log order (epoch, tx_id, position) of V0032 on real PostgreSQL: a database whose rows and checkpoints carry transaction
/// ids this cluster has not handed out (as after pg_restore into a new cluster) or that names another cluster gets a new epoch, after
/// which the subscribers read every new event once and a rebuild folds each return in seq order; an open transaction still holds
/// every subscriber before it.</summary>
public sealed class LogEpochTests : IAsyncLifetime
{
    private const string Tenant = "t-epoch";
    private string _database = "";
    private NpgsqlDataSource _dataSource = null!;
    private SchemaMigrator _migrator = null!;

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_epoch");
        _dataSource = NpgsqlDataSource.Create(_database);
        _migrator = new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance);
        await _migrator.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task RowsFromAnotherCluster_OpenANewEpoch_AndSubscribersReadEveryNewEventOnce_AndARebuildFoldsInSeqOrder()
    {
        // As restored from a cluster whose transaction ids ran far ahead of this one: R-1 seq 1-2, all projected and delivered.
        await ExecuteAsync("""
            INSERT INTO rma_events (tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash, epoch, tx_id)
            SELECT @t, 'R-1', s, 'test.event', now(), 'test', 'c' || s, 1, '{}', '{}', '', 'h' || s, 1,
                   (pg_current_xact_id()::text::bigint + 1000000 + s)::text::xid8
            FROM generate_series(1, 2) s;
            UPDATE projection_checkpoints SET epoch = 1, tx_id = (SELECT max(tx_id) FROM rma_events), position = (SELECT max(position) FROM rma_events);
            """);
        var restoredCheckpoint = await CursorAsync("SELECT epoch, tx_id::text, position FROM projection_checkpoints WHERE name = 'rma_read'");
        Assert.Equal(1, await ScalarAsync<int>("SELECT ra_log_epoch()"));

        await _migrator.RebaseLogAsync();
        Assert.Equal(2, await ScalarAsync<int>("SELECT ra_log_epoch()"));
        await _migrator.RebaseLogAsync();
        Assert.Equal(2, await ScalarAsync<int>("SELECT ra_log_epoch()"));

        await AppendAsync("R-1", 3);
        await AppendAsync("R-2", 1);
        var feed = new PostgresRmaChangeFeed(_dataSource);
        Assert.Equal(["R-1", "R-2"], await NextBatchAsync(feed));
        Assert.Empty(await NextBatchAsync(feed));

        // Webhooks and connectors read the same order: from the restored checkpoint only the new events, from the start every event
        // of each return in seq order (restored rows have the higher tx_id, yet come first).
        var store = new PostgresWebhookStore(_dataSource, new WebhookSecretProtector(new EphemeralDataProtectionProvider()));
        Assert.Equal([("R-1", 3L), ("R-2", 1L)], (await ReadAsync(store, restoredCheckpoint, 2)).Select(e => (e.RmaId, e.Seq)));
        var all = await ReadAsync(store, default, 4);
        Assert.Equal([1L, 2L, 3L], all.Where(e => e.RmaId == "R-1").Select(e => e.Seq));
        Assert.Equal(4, all.Count);

        // A rebuild of the read model starts from the first epoch and sees R-1's events before R-2's new one.
        await ExecuteAsync("UPDATE projection_checkpoints SET epoch = 0, tx_id = '0', position = 0");
        Assert.Equal(["R-1", "R-1", "R-1", "R-2"], await NextBatchAsync(feed));

        // The database names another cluster than this one: a new epoch again.
        await ExecuteAsync("UPDATE ra_log_epochs SET system_identifier = 42 WHERE epoch = 2");
        await _migrator.RebaseLogAsync();
        Assert.Equal(3, await ScalarAsync<int>("SELECT ra_log_epoch()"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM ra_log_epochs WHERE epoch = 3 AND reason LIKE 'moved from cluster 42 to cluster %'"));
        await AppendAsync("R-2", 2);
        Assert.Equal([("R-2", 2L)], (await ReadAsync(store, all[^1].Position, 1)).Select(e => (e.RmaId, e.Seq)));
    }

    [Fact]
    public async Task AnOpenTransaction_HoldsEverySubscriberBeforeIt_InTheNewEpoch()
    {
        await ExecuteAsync("UPDATE ra_log_epochs SET system_identifier = 42");
        await _migrator.RebaseLogAsync();
        var store = new PostgresWebhookStore(_dataSource, new WebhookSecretProtector(new EphemeralDataProtectionProvider()));

        await using var open = await _dataSource.OpenConnectionAsync();
        await using var pending = await open.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(AppendSql, open, pending))
        {
            insert.Parameters.AddWithValue("t", Tenant);
            insert.Parameters.AddWithValue("rma", "R-LATE");
            insert.Parameters.AddWithValue("seq", 1L);
            await insert.ExecuteNonQueryAsync();
        }

        await AppendAsync("R-EARLY", 1);
        Assert.Empty(await store.ReadAfterAsync(Tenant, default, 100, default));

        await pending.CommitAsync();
        var read = await ReadAsync(store, default, 2);
        Assert.Equal(["R-LATE", "R-EARLY"], read.Select(e => e.RmaId));
        Assert.All(read, e => Assert.Equal(2, e.Position.Epoch));
    }

    [Fact]
    public async Task CheckRestore_FailsOnABrokenChain_AndOnADatabaseNotRebasedYet()
    {
        await AppendAsync("R-FORGED", 1);
        var (exitCode, output) = await SiloProcess.RunCommandAsync(new Dictionary<string, string>(), "check-restore", "--postgres", _database);
        Assert.True(exitCode == 1, output);
        Assert.Contains($"BROKEN {Tenant}/R-FORGED at seq 1", output);
        Assert.Contains("chains: 0 of 1 returns intact", output);
        Assert.DoesNotContain("NOT REBASED", output);
        Assert.Contains("projection rma_read: checkpoint 1:0:0", output);

        // As if restored into another cluster and checked before any migrate or silo ran on it.
        await ExecuteAsync("UPDATE ra_log_epochs SET system_identifier = 42");
        (exitCode, output) = await SiloProcess.RunCommandAsync(new Dictionary<string, string>(), "check-restore", "--postgres", _database);
        Assert.True(exitCode == 1, output);
        Assert.Contains("NOT REBASED", output);
    }

    private const string AppendSql = """
        INSERT INTO rma_events (tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
        VALUES (@t, @rma, @seq, 'test.event', now(), 'test', 'c' || @seq, 1, '{}', '{}', '', 'h')
        """;

    private async Task AppendAsync(string rma, long seq)
    {
        await using var command = _dataSource.CreateCommand(AppendSql);
        command.Parameters.AddWithValue("t", Tenant);
        command.Parameters.AddWithValue("rma", rma);
        command.Parameters.AddWithValue("seq", seq);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The returns of the feed's next batch that is not empty (the horizon is cluster-wide: another database's open
    /// transaction holds it for a moment), or none within five seconds.</summary>
    private static async Task<List<string>> NextBatchAsync(PostgresRmaChangeFeed feed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            await using var batch = await feed.NextAsync(default);
            if (batch.Changes.Count > 0 || DateTime.UtcNow > deadline)
            {
                var rmas = batch.Changes.Select(c => c.RmaId).ToList();
                await batch.CommitAsync(default);
                return rmas;
            }
        }
    }

    /// <summary>The store's events after <paramref name="after"/> once there are <paramref name="count"/> (see <see cref="NextBatchAsync"/>).</summary>
    private static async Task<IReadOnlyList<WebhookEvent>> ReadAsync(PostgresWebhookStore store, WebhookCursor after, int count)
    {
        await ReturnScenario.WaitUntilAsync(async () => (await store.ReadAfterAsync(Tenant, after, 100, default)).Count >= count);
        return await store.ReadAfterAsync(Tenant, after, 100, default);
    }

    private async Task<WebhookCursor> CursorAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new WebhookCursor(reader.GetInt32(0), ulong.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetInt64(2));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("t", Tenant);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
