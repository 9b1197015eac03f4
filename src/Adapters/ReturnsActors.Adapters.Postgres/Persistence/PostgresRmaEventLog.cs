using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The event log in PostgreSQL, the record of every return. Appends are idempotent by (tenant, rma, seq) and checked
/// against the chain they extend (see <see cref="IRmaEventLog"/>): a stale or diverged append is refused rather than hidden.</summary>
internal sealed partial class PostgresRmaEventLog(NpgsqlDataSource dataSource, ILogger<PostgresRmaEventLog>? logger = null)
    : IRmaEventLog, IRmaEventQuery, IAsyncDisposable
{
    /// <summary>Upper bound of events in one group-commit INSERT.</summary>
    internal const int MaxBatchEvents = 1000;

    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _writerGate = new();
    private Task? _writer;
    private long _batchesWritten;

    /// <summary>Group-commit batches written so far (each one INSERT, one transaction).</summary>
    internal long BatchesWritten => Interlocked.Read(ref _batchesWritten);

    private long _batchesSplit;

    /// <summary>Batches that failed as a whole and were written again append by append.</summary>
    internal long BatchesSplit => Interlocked.Read(ref _batchesSplit);

    public async Task<IReadOnlyList<KpiEvent>> ReadTenantEventsAsync(string tenantId, IReadOnlyCollection<string> types, DateTimeOffset before,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT rma_id, type, occurred_at, policy_version, data_json FROM rma_events
            WHERE tenant_id = @tenant AND type = ANY (@types) AND occurred_at < @before
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("types", types.ToArray());
        command.Parameters.AddWithValue("before", before.UtcDateTime);
        var events = new List<KpiEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new KpiEvent(reader.GetString(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero),
                reader.GetInt32(3), reader.GetString(4)));
        }

        return events;
    }

    public async Task<CategoryReturnUnits> CategoryReturnUnitsAsync(string tenantId, string category, DateTimeOffset from, DateTimeOffset before,
        string excludeRmaId, CancellationToken cancellationToken = default)
    {
        // Aggregated in the database over rma_events_type_ix (tenant, type, occurred_at): one row back, not the window's events.
        // json, not jsonb: jsonb refuses the escape \u0000, which a customer's free-text note may carry; json keeps the text as it is
        // and only the fields read here are decoded.
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum((l ->> 'quantity')::bigint), 0)::bigint,
                   coalesce(sum((l ->> 'quantity')::bigint) FILTER (WHERE l ->> 'reasonClass' = 'defect'), 0)::bigint
            FROM rma_events e CROSS JOIN LATERAL json_array_elements(e.data_json::json -> 'lines') AS l
            WHERE e.tenant_id = @tenant AND e.type = @type AND e.occurred_at >= @from AND e.occurred_at < @before
              AND e.rma_id <> @rma AND l ->> 'category' = @category
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("type", ReturnsActors.Grains.Rma.Events.ReturnRequested.WireName);
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("before", before.UtcDateTime);
        command.Parameters.AddWithValue("rma", excludeRmaId);
        command.Parameters.AddWithValue("category", category);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new CategoryReturnUnits(reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Queues the events for the silo's writer and completes when the batch holding them has committed.</summary>
    public Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return Task.CompletedTask;
        }

        if (RmaAppendConflictException.CheckChain(events) is { } broken)
        {
            return Task.FromException(new RmaAppendConflictException($"Append to {rmaKey} refused: {broken}."));
        }

        var (tenantId, rmaId) = SplitKey(rmaKey);
        var append = new PendingAppend(rmaKey, tenantId, rmaId, events);
        lock (_writerGate)
        {
            _writer ??= Task.Run(WriteLoopAsync);
        }

        if (!_queue.Writer.TryWrite(append))
        {
            throw new ObjectDisposedException(nameof(PostgresRmaEventLog), "The event log writer has stopped.");
        }

        // A caller that stops waiting leaves its events queued: the append is idempotent, a later drain finds them logged.
        return append.Committed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Group commit: while one batch commits, the appends of every grain on this silo queue up, and the next
    /// batch writes them with one multi-row INSERT (one transaction, one WAL flush). No added delay: a lone append is written at once.</summary>
    private async Task WriteLoopAsync()
    {
        var deferred = new Queue<PendingAppend>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            var batch = new List<PendingAppend>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var next = new Queue<PendingAppend>();
            var size = 0;
            while (size < MaxBatchEvents && (deferred.TryDequeue(out var append) || _queue.Reader.TryRead(out append)))
            {
                // One append per return per batch, so a conflicting replay of the same (rma, seq) is still detected.
                if (keys.Contains(append.RmaKey) || (size > 0 && size + append.Events.Count > MaxBatchEvents))
                {
                    // Held for a later batch; its return stays reserved so nothing of that return overtakes it.
                    next.Enqueue(append);
                    keys.Add(append.RmaKey);
                    continue;
                }

                batch.Add(append);
                keys.Add(append.RmaKey);
                size += append.Events.Count;
            }

            while (deferred.TryDequeue(out var rest))
            {
                next.Enqueue(rest);
            }

            deferred = next;
            await WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        HashSet<(string Tenant, string Rma)> conflicts;
        try
        {
            conflicts = await InsertAsync(batch);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad row fails the whole statement: write each append on its own so only the bad one fails.
            Interlocked.Increment(ref _batchesSplit);
            LogBatchSplit(logger ?? NullLogger<PostgresRmaEventLog>.Instance, batch.Count, ex.Message);
            foreach (var append in batch)
            {
                await WriteBatchAsync([append]);
            }

            return;
        }
        catch (Exception ex)
        {
            batch[0].Committed.TrySetException(ex);
            return;
        }

        Interlocked.Increment(ref _batchesWritten);
        foreach (var append in batch)
        {
            if (conflicts.Contains((append.TenantId, append.RmaId)))
            {
                append.Committed.TrySetException(new RmaAppendConflictException(
                    $"Append to {append.RmaKey} refused: it does not follow the logged chain, or a seq is already logged with another hash."));
            }
            else
            {
                append.Committed.TrySetResult();
            }
        }
    }

    /// <summary>Inserts the batch in one statement; returns the returns whose append conflicts, of which nothing is written: its
    /// first event does not follow the logged chain (no logged event at seq - 1 with its previous hash: a stale version or a
    /// gap), or one of its seqs is taken by another event (another writer appended first). A row this statement could not
    /// insert counts as a conflict unless a row with the same hash is visible, so a concurrent writer's row is never taken
    /// for an idempotent replay.</summary>
    private async Task<HashSet<(string Tenant, string Rma)>> InsertAsync(List<PendingAppend> batch)
    {
        var rows = batch.SelectMany(a => a.Events.Select(e => (a.TenantId, a.RmaId, Event: e))).ToList();
        await using var command = dataSource.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest(@tenant, @rma, @seq, @type, @occurred_at, @actor, @command_id, @policy_version, @rule_ids, @data_json, @prev_hash, @hash)
                    AS i(tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
            ), heads AS (
                SELECT DISTINCT ON (tenant_id, rma_id) tenant_id, rma_id, seq, prev_hash, hash FROM input ORDER BY tenant_id, rma_id, seq
            ), unlinked AS (
                SELECT h.tenant_id, h.rma_id FROM heads h
                WHERE h.seq > 1
                  AND NOT EXISTS (SELECT 1 FROM rma_events e WHERE e.tenant_id = h.tenant_id AND e.rma_id = h.rma_id AND e.seq = h.seq - 1 AND e.hash = h.prev_hash)
                  AND NOT EXISTS (SELECT 1 FROM rma_events e WHERE e.tenant_id = h.tenant_id AND e.rma_id = h.rma_id AND e.seq = h.seq AND e.hash = h.hash)
                UNION
                SELECT i.tenant_id, i.rma_id FROM input i
                JOIN rma_events e ON e.tenant_id = i.tenant_id AND e.rma_id = i.rma_id AND e.seq = i.seq AND e.hash <> i.hash
            ), inserted AS (
                INSERT INTO rma_events (tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
                SELECT tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, string_to_array(rule_ids, E'\x1f'), data_json, prev_hash, hash
                FROM input i
                WHERE NOT EXISTS (SELECT 1 FROM unlinked u WHERE u.tenant_id = i.tenant_id AND u.rma_id = i.rma_id)
                ON CONFLICT (tenant_id, rma_id, seq) DO NOTHING
                RETURNING tenant_id, rma_id, seq
            )
            SELECT tenant_id, rma_id FROM unlinked
            UNION
            SELECT i.tenant_id, i.rma_id FROM input i
            WHERE NOT EXISTS (SELECT 1 FROM unlinked u WHERE u.tenant_id = i.tenant_id AND u.rma_id = i.rma_id)
              AND NOT EXISTS (SELECT 1 FROM inserted n WHERE n.tenant_id = i.tenant_id AND n.rma_id = i.rma_id AND n.seq = i.seq)
              AND NOT EXISTS (SELECT 1 FROM rma_events e WHERE e.tenant_id = i.tenant_id AND e.rma_id = i.rma_id AND e.seq = i.seq AND e.hash = i.hash)
            """);
        command.Parameters.AddWithValue("tenant", rows.Select(r => r.TenantId).ToArray());
        command.Parameters.AddWithValue("rma", rows.Select(r => r.RmaId).ToArray());
        command.Parameters.AddWithValue("seq", rows.Select(r => r.Event.Seq).ToArray());
        command.Parameters.AddWithValue("type", rows.Select(r => r.Event.Type).ToArray());
        command.Parameters.AddWithValue("occurred_at", rows.Select(r => r.Event.OccurredAt.UtcDateTime).ToArray());
        command.Parameters.AddWithValue("actor", rows.Select(r => r.Event.Actor).ToArray());
        command.Parameters.AddWithValue("command_id", rows.Select(r => r.Event.CommandId).ToArray());
        command.Parameters.AddWithValue("policy_version", rows.Select(r => r.Event.PolicyVersion).ToArray());
        // unnest cannot zip a jagged text[][]: rule ids travel joined by the ASCII unit separator.
        command.Parameters.AddWithValue("rule_ids", rows.Select(r => string.Join('\x1f', r.Event.RuleIds)).ToArray());
        command.Parameters.AddWithValue("data_json", rows.Select(r => r.Event.DataJson).ToArray());
        command.Parameters.AddWithValue("prev_hash", rows.Select(r => r.Event.PrevHash).ToArray());
        command.Parameters.AddWithValue("hash", rows.Select(r => r.Event.Hash).ToArray());

        var conflicts = new HashSet<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            conflicts.Add((reader.GetString(0), reader.GetString(1)));
        }

        return conflicts;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is { } writer)
        {
            await writer;
        }
    }

    public Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default) =>
        ReadTailAsync(rmaKey, 0, cancellationToken);

    public async Task<IReadOnlyList<RmaEvent>> ReadTailAsync(string rmaKey, long afterSeq, CancellationToken cancellationToken = default)
    {
        var (tenantId, rmaId) = SplitKey(rmaKey);
        await using var command = dataSource.CreateCommand("""
            SELECT seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash
            FROM rma_events WHERE tenant_id = @tenant AND rma_id = @rma AND seq > @after ORDER BY seq
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("rma", rmaId);
        command.Parameters.AddWithValue("after", afterSeq);
        var events = new List<RmaEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new RmaEvent(
                reader.GetInt64(0), reader.GetString(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetFieldValue<string[]>(6), reader.GetString(7), reader.GetString(8), reader.GetString(9)));
        }

        return events;
    }

    private sealed record PendingAppend(string RmaKey, string TenantId, string RmaId, IReadOnlyList<RmaEvent> Events)
    {
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal static (string TenantId, string RmaId) SplitKey(string rmaKey)
    {
        var slash = rmaKey.IndexOf('/');
        return slash > 0 ? (rmaKey[..slash], rmaKey[(slash + 1)..]) : throw new ArgumentException($"'{rmaKey}' is not {{tenant}}/{{rma}}.", nameof(rmaKey));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An event-log batch of {Appends} appends failed ({Reason}); writing them one by one")]
    private static partial void LogBatchSplit(ILogger logger, int appends, string reason);
}
