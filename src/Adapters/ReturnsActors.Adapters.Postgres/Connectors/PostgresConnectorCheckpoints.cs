using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Api.Connectors;
using ReturnsActors.Silo.Webhooks;

using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.Silo.Connectors;

/// <summary>Cluster: connector checkpoints in <c>connector_checkpoints</c> (V0012). One silo works on a (tenant, channel) at a time
/// (a session advisory lock held for the pass). Dead letters in <c>connector_dead_letters</c> (V0013).</summary>
internal sealed class PostgresConnectorCheckpoints(NpgsqlDataSource dataSource) : IConnectorCheckpoints
{
    public async Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken)
    {
        // A loose index scan over rma_events_tenant_log_ix: one probe per tenant, not a scan of the log.
        await using var command = dataSource.CreateCommand("""
            WITH RECURSIVE t AS (
                SELECT min(tenant_id) AS tenant_id FROM rma_events
                UNION ALL
                SELECT (SELECT min(tenant_id) FROM rma_events WHERE tenant_id > t.tenant_id) FROM t WHERE t.tenant_id IS NOT NULL)
            SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL
            """);
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }

    public async Task<DateTimeOffset> EnabledAtAsync(string channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO connector_channels (channel, enabled_at) VALUES (@channel, @now) ON CONFLICT (channel) DO NOTHING;
            SELECT enabled_at FROM connector_channels WHERE channel = @channel;
            """);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        var enabledAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new DateTimeOffset(DateTime.SpecifyKind(enabledAt, DateTimeKind.Utc));
    }

    public async Task<ConnectorLease?> ClaimAsync(string tenantId, string channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await PgSessionLock.TryAcquireAsync(dataSource, $"connector:{tenantId}/{channel}", cancellationToken) is not { } held)
        {
            return null;
        }

        try
        {
            ConnectorProgress progress = new(default, 0, DateTimeOffset.MinValue);
            await using (var read = new NpgsqlCommand("""
                INSERT INTO connector_checkpoints (tenant_id, channel, checkpoint_epoch, checkpoint_tx) VALUES (@tenant, @channel, 0, '0'::xid8)
                ON CONFLICT (tenant_id, channel) DO NOTHING;
                SELECT c.checkpoint_tx::text, c.checkpoint_position, c.failed_attempts, c.next_attempt_at <= @now, c.last_error,
                       EXISTS (SELECT 1 FROM connector_dead_letters d WHERE d.tenant_id = c.tenant_id AND d.channel = c.channel AND d.status = 'queued'),
                       c.checkpoint_epoch
                FROM connector_checkpoints c WHERE c.tenant_id = @tenant AND c.channel = @channel;
                """, held.Connection))
            {
                read.Parameters.AddWithValue("tenant", tenantId);
                read.Parameters.AddWithValue("channel", channel);
                read.Parameters.AddWithValue("now", now.UtcDateTime);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken) || !(reader.GetBoolean(3) || reader.GetBoolean(5)))
                {
                    await reader.DisposeAsync();
                    await held.DisposeAsync();
                    return null;
                }

                progress = new ConnectorProgress(new WebhookCursor(reader.GetInt32(6), ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1)),
                    reader.GetInt32(2), DateTimeOffset.MinValue, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(3));
            }

            return new ConnectorLease(progress, held.DisposeAsync);
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    public async Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken,
        ConnectorDeadEvent? deadLetter = null)
    {
        await using var batch = dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand("""
            UPDATE connector_checkpoints
            SET checkpoint_epoch = @epoch, checkpoint_tx = CAST(@tx AS xid8), checkpoint_position = @position, failed_attempts = @failed,
                next_attempt_at = coalesce(@next, '-infinity'::timestamptz), last_error = @error, updated_at = now()
            WHERE tenant_id = @tenant AND channel = @channel
            """);
        update.Parameters.AddWithValue("tenant", tenantId);
        update.Parameters.AddWithValue("channel", channel);
        update.Parameters.AddWithValue("epoch", progress.Checkpoint.Epoch);
        update.Parameters.AddWithValue("tx", progress.Checkpoint.Tx.ToString(CultureInfo.InvariantCulture));
        update.Parameters.AddWithValue("position", progress.Checkpoint.Position);
        update.Parameters.AddWithValue("failed", progress.FailedAttempts);
        update.Parameters.Add(new NpgsqlParameter("next", NpgsqlDbType.TimestampTz)
        {
            Value = progress.NextAttemptAt == DateTimeOffset.MinValue ? DBNull.Value : progress.NextAttemptAt.UtcDateTime,
        });
        update.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)progress.LastError ?? DBNull.Value });
        batch.BatchCommands.Add(update);
        if (deadLetter is { Event: var e })
        {
            var insert = new NpgsqlBatchCommand("""
                INSERT INTO connector_dead_letters (tenant_id, channel, id, rma_id, seq, event_type, occurred_at, data_json, attempts, error, dead_at)
                VALUES (@tenant, @channel, @id, @rma, @seq, @type, @occurred, @data, @attempts, @error, @at)
                ON CONFLICT (tenant_id, channel, id) DO UPDATE
                SET attempts = excluded.attempts, error = excluded.error, dead_at = excluded.dead_at, status = 'dead'
                """);
            insert.Parameters.AddWithValue("tenant", tenantId);
            insert.Parameters.AddWithValue("channel", channel);
            insert.Parameters.AddWithValue("id", ConnectorDeadEvent.IdOf(tenantId, e.RmaId, e.Seq, channel));
            insert.Parameters.AddWithValue("rma", e.RmaId);
            insert.Parameters.AddWithValue("seq", e.Seq);
            insert.Parameters.AddWithValue("type", e.Type);
            insert.Parameters.AddWithValue("occurred", e.OccurredAt.UtcDateTime);
            insert.Parameters.AddWithValue("data", e.DataJson);
            insert.Parameters.AddWithValue("attempts", deadLetter.Attempts);
            insert.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)deadLetter.Error ?? DBNull.Value });
            insert.Parameters.AddWithValue("at", deadLetter.At.UtcDateTime);
            batch.BatchCommands.Add(insert);
        }

        // One implicit transaction: the checkpoint moves past a dead-lettered event only together with its dead letter.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<(ConnectorDeadLetter Letter, WebhookEvent Event)>> QueuedReplaysAsync(string tenantId, string channel,
        CancellationToken cancellationToken)
    {
        await using var command = DeadLetters.Queued(dataSource, tenantId, channel, "occurred_at, data_json");
        var letters = new List<(ConnectorDeadLetter, WebhookEvent)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var letter = ReadDeadLetter(reader);
            letters.Add((letter, new WebhookEvent(default, tenantId, letter.RmaId, letter.Seq, letter.EventType, Utc(reader.GetDateTime(10)), reader.GetString(11))));
        }

        return letters;
    }

    public async Task RecordReplayAsync(string tenantId, string channel, string id, bool sent, string? error, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE connector_dead_letters
            SET status = CASE WHEN @sent THEN 'replayed' ELSE 'dead' END, attempts = attempts + 1,
                replayed_at = CASE WHEN @sent THEN @at END, error = CASE WHEN @sent THEN error ELSE @error END
            WHERE tenant_id = @tenant AND channel = @channel AND id = @id
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("sent", sent);
        command.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value });
        command.Parameters.AddWithValue("at", at.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ConnectorChannelStatus> StatusAsync(string tenantId, string channel, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(c.checkpoint_epoch, 0) || ':' || coalesce(c.checkpoint_tx::text, '0') || ':' || coalesce(c.checkpoint_position, 0),
                   coalesce(c.failed_attempts, 0),
                   CASE WHEN c.next_attempt_at = '-infinity' THEN NULL ELSE c.next_attempt_at END, c.last_error,
                   (SELECT count(*)::int FROM connector_dead_letters d WHERE d.tenant_id = @tenant AND d.channel = @channel AND d.status <> 'replayed')
            FROM (SELECT 1) one
            LEFT JOIN connector_checkpoints c ON c.tenant_id = @tenant AND c.channel = @channel
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("channel", channel);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ConnectorChannelStatus(channel, reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : Utc(reader.GetDateTime(2)),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4));
    }

    public async Task<IReadOnlyList<ConnectorDeadLetter>> ListDeadLettersAsync(string tenantId, string channel, string? status, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = DeadLetters.List(dataSource, tenantId, channel, status, limit);
        return await ReadDeadLettersAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<ConnectorDeadLetter>> QueueReplayAsync(string tenantId, string channel, string? id, CancellationToken cancellationToken)
    {
        await using var command = DeadLetters.QueueReplay(dataSource, tenantId, channel, id);
        return await ReadDeadLettersAsync(command, cancellationToken);
    }

    private static readonly DeadLetterTable DeadLetters = new("connector_dead_letters", "channel", "id",
        "id, channel, event_type, rma_id, seq, attempts, error, dead_at, status, replayed_at");

    private static async Task<IReadOnlyList<ConnectorDeadLetter>> ReadDeadLettersAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var letters = new List<ConnectorDeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(ReadDeadLetter(reader));
        }

        return letters;
    }

    private static ConnectorDeadLetter ReadDeadLetter(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5),
            reader.IsDBNull(6) ? null : reader.GetString(6), Utc(reader.GetDateTime(7)), reader.GetString(8), reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9)));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
