using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.IntegrationTests.Infrastructure;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.IntegrationTests;

/// <summary>The PostgreSQL event log's group commit: appends of many returns share one INSERT, and each caller learns
/// the outcome of its own events.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class EventLogGroupCommitTests : IAsyncLifetime
{
    private string _database = "";
    private NpgsqlDataSource _dataSource = null!;
    private PostgresRmaEventLog _log = null!;

    public async Task InitializeAsync()
    {
        _database = await TestEnvironment.CreateDatabaseAsync("ra_group_commit");
        _dataSource = NpgsqlDataSource.Create(_database);
        await new SchemaMigrator(_dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        _log = new PostgresRmaEventLog(_dataSource);
    }

    public async Task DisposeAsync()
    {
        await _log.DisposeAsync();
        await _dataSource.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task ConcurrentAppendsOfManyReturns_ShareBatches_AndEveryReturnIsLoggedGapFreeAndChained()
    {
        var returns = Enumerable.Range(1, 200).ToDictionary(i => $"acme/RMA-{i}", i => Chain(3, $"n{i}"));

        await Task.WhenAll(returns.Select(r => _log.AppendAsync(r.Key, r.Value)));
        // A replay of everything (a re-drain after activation) is a no-op.
        await Task.WhenAll(returns.Select(r => _log.AppendAsync(r.Key, r.Value)));

        Assert.True(_log.BatchesWritten < 2 * returns.Count, $"{_log.BatchesWritten} batches for {2 * returns.Count} appends");
        foreach (var (key, events) in returns)
        {
            var logged = await _log.ReadAsync(key);
            Assert.Equal(events.Select(e => (e.Seq, e.Hash)), logged.Select(e => (e.Seq, e.Hash)));
            Assert.True(AuditChain.Verify(logged).Valid);
        }
    }

    [Fact]
    public async Task ADivergedEvent_FailsOnlyItsOwnCaller_WhileTheOthersCommit()
    {
        var original = Chain(2, "original");
        await _log.AppendAsync("acme/RMA-X", original);
        var others = Enumerable.Range(1, 50).ToDictionary(i => $"acme/RMA-Y{i}", i => Chain(2, $"y{i}"));

        var batchesBefore = _log.BatchesWritten;
        var diverged = _log.AppendAsync("acme/RMA-X", Chain(2, "forged"));
        var rest = others.Select(r => _log.AppendAsync(r.Key, r.Value)).ToList();

        await Assert.ThrowsAsync<RmaAppendConflictException>(() => diverged);
        await Task.WhenAll(rest);
        Assert.True(_log.BatchesWritten - batchesBefore < 51, $"{_log.BatchesWritten - batchesBefore} batches for 51 appends: the diverged one shared a batch");
        Assert.Equal(original.Select(e => e.Hash), (await _log.ReadAsync("acme/RMA-X")).Select(e => e.Hash));
        foreach (var (key, events) in others)
        {
            Assert.Equal(events.Select(e => e.Hash), (await _log.ReadAsync(key)).Select(e => e.Hash));
        }
    }

    [Fact]
    public async Task ARowTheDatabaseRefuses_FailsOnlyItsOwnCaller_TheRestOfItsBatchCommits()
    {
        // PostgreSQL refuses a NUL character in text: that statement fails, and the batch is written again append by append.
        // A lock held on the table keeps the writer busy with a first append, so the bad one and the others queue into one batch.
        var others = Enumerable.Range(1, 40).ToDictionary(i => $"acme/RMA-B{i}", i => Chain(1, $"b{i}"));
        Task bad;
        List<Task> rest;
        Task first;
        await using (var connection = await _dataSource.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE rma_events IN SHARE ROW EXCLUSIVE MODE", connection, tx))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            first = _log.AppendAsync("acme/RMA-B0", Chain(1, "b0"));
            await Task.Delay(200);
            bad = _log.AppendAsync("acme/RMA-BAD", Chain(1, "bad\0command"));
            rest = others.Select(r => _log.AppendAsync(r.Key, r.Value)).ToList();
            await tx.CommitAsync();
        }

        await first;

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        await Task.WhenAll(rest);
        Assert.Equal(1, _log.BatchesSplit);
        Assert.Empty(await _log.ReadAsync("acme/RMA-BAD"));
        foreach (var (key, events) in others)
        {
            Assert.Equal(events.Select(e => e.Hash), (await _log.ReadAsync(key)).Select(e => e.Hash));
        }
    }

    [Fact]
    public async Task WhenTheDatabaseRefuses_EveryWaiterFails_AndTheWriterCarriesOnAfterwards()
    {
        await ExecuteAsync("ALTER TABLE rma_events RENAME TO rma_events_away");
        var refused = Enumerable.Range(1, 20).Select(i => _log.AppendAsync($"acme/RMA-F{i}", Chain(1, $"f{i}"))).ToList();
        foreach (var append in refused)
        {
            await Assert.ThrowsAsync<PostgresException>(() => append);
        }

        await ExecuteAsync("ALTER TABLE rma_events_away RENAME TO rma_events");
        var events = Chain(1, "f1");
        await _log.AppendAsync("acme/RMA-F1", events);
        Assert.Equal(events[0].Hash, Assert.Single(await _log.ReadAsync("acme/RMA-F1")).Hash);
    }

    [Fact]
    public async Task AnAppendThatDoesNotExtendTheLoggedChain_IsAConflict_AndWritesNothing_WhileTheOthersOfItsBatchCommit()
    {
        var logged = Chain(3, "kept");
        await _log.AppendAsync("acme/RMA-V", logged[..2]);
        var others = Enumerable.Range(1, 30).ToDictionary(i => $"acme/RMA-W{i}", i => Chain(2, $"w{i}"));

        // A writer with a stale version: it extends seq 1 with its own seq 2, but seq 2 is already logged.
        var stale = AuditChain.Next(1, logged[0].Hash, new NoteAdded("stale"), DateTimeOffset.UtcNow, "agent:b", "stale", 1, []);
        var conflict = _log.AppendAsync("acme/RMA-V", [stale]);
        var rest = others.Select(r => _log.AppendAsync(r.Key, r.Value)).ToList();

        await Assert.ThrowsAsync<RmaAppendConflictException>(() => conflict);
        await Task.WhenAll(rest);
        // A gap: seq 3 of a return whose seq 2 is not logged.
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => _log.AppendAsync("acme/RMA-GAP", logged[2..]));
        Assert.Empty(await _log.ReadAsync("acme/RMA-GAP"));
        Assert.Equal(logged[..2].Select(e => e.Hash), (await _log.ReadAsync("acme/RMA-V")).Select(e => e.Hash));
        foreach (var (key, events) in others)
        {
            Assert.Equal(events.Select(e => e.Hash), (await _log.ReadAsync(key)).Select(e => e.Hash));
        }

        // The expected version: the next event after the logged seq 2 extends the chain; the tail after 1 reads seq 2 and 3.
        await _log.AppendAsync("acme/RMA-V", logged[2..]);
        Assert.Equal([2L, 3L], (await _log.ReadTailAsync("acme/RMA-V", 1)).Select(e => e.Seq));
        Assert.Empty(await _log.ReadTailAsync("acme/RMA-V", 3));
    }

    [Fact]
    public async Task TwoWritersOfOneReturn_OnlyTheFirstWins()
    {
        // Two silos each believing they hold the return (a split activation): both append seq 2 after seq 1.
        await using var second = new PostgresRmaEventLog(_dataSource);
        var first = Chain(1, "one");
        await _log.AppendAsync("acme/RMA-TWO", first);
        var a = AuditChain.Next(1, first[0].Hash, new NoteAdded("a"), DateTimeOffset.UtcNow, "agent:a", "a", 1, []);
        var b = AuditChain.Next(1, first[0].Hash, new NoteAdded("b"), DateTimeOffset.UtcNow, "agent:b", "b", 1, []);

        var outcomes = await Task.WhenAll(Outcome(_log.AppendAsync("acme/RMA-TWO", [a])), Outcome(second.AppendAsync("acme/RMA-TWO", [b])));

        Assert.Single(outcomes, o => o is null);
        Assert.IsType<RmaAppendConflictException>(Assert.Single(outcomes, o => o is not null));
        var winner = outcomes[0] is null ? a : b;
        Assert.Equal([first[0].Hash, winner.Hash], (await _log.ReadAsync("acme/RMA-TWO")).Select(e => e.Hash));

        static async Task<Exception?> Outcome(Task append)
        {
            try
            {
                await append;
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        }
    }

    private static List<RmaEvent> Chain(int count, string commandPrefix)
    {
        var events = new List<RmaEvent>();
        var (seq, hash) = (0L, AuditChain.GenesisHash);
        for (var i = 0; i < count; i++)
        {
            var e = AuditChain.Next(seq, hash, new NoteAdded(commandPrefix), DateTimeOffset.UtcNow, "agent:a", $"{commandPrefix}-{i}", 1, []);
            events.Add(e);
            (seq, hash) = (e.Seq, e.Hash);
        }

        return events;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
