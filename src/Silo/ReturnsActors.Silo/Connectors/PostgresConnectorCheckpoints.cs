using System.Globalization;
using Npgsql;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>Cluster: connector checkpoints in <c>connector_checkpoints</c> (V0012). One silo works on a (tenant, channel) at a time
/// (a session advisory lock held for the pass).</summary>
internal sealed class PostgresConnectorCheckpoints(NpgsqlDataSource dataSource) : IConnectorCheckpoints
{
    public async Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken)
    {
        // A loose index scan over rma_events_tenant_tx_ix: one probe per tenant, not a scan of the log.
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
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var key = $"connector:{tenantId}/{channel}";
        try
        {
            await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", connection))
            {
                tryLock.Parameters.AddWithValue("key", key);
                if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }

            ConnectorProgress progress = new(default, 0, DateTimeOffset.MinValue);
            await using (var read = new NpgsqlCommand("""
                INSERT INTO connector_checkpoints (tenant_id, channel, checkpoint_tx) VALUES (@tenant, @channel, '0'::xid8)
                ON CONFLICT (tenant_id, channel) DO NOTHING;
                SELECT checkpoint_tx::text, checkpoint_position, failed_attempts, next_attempt_at <= @now
                FROM connector_checkpoints WHERE tenant_id = @tenant AND channel = @channel;
                """, connection))
            {
                read.Parameters.AddWithValue("tenant", tenantId);
                read.Parameters.AddWithValue("channel", channel);
                read.Parameters.AddWithValue("now", now.UtcDateTime);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken) || !reader.GetBoolean(3))
                {
                    await reader.DisposeAsync();
                    await UnlockAsync(connection, key);
                    return null;
                }

                progress = new ConnectorProgress(new WebhookCursor(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1)),
                    reader.GetInt32(2), DateTimeOffset.MinValue);
            }

            return new ConnectorLease(progress, () => new ValueTask(UnlockAsync(connection, key)));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE connector_checkpoints
            SET checkpoint_tx = CAST(@tx AS xid8), checkpoint_position = @position, failed_attempts = @failed,
                next_attempt_at = coalesce(@next, '-infinity'::timestamptz), updated_at = now()
            WHERE tenant_id = @tenant AND channel = @channel
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("tx", progress.Checkpoint.Tx.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("position", progress.Checkpoint.Position);
        command.Parameters.AddWithValue("failed", progress.FailedAttempts);
        command.Parameters.Add(new NpgsqlParameter("next", NpgsqlTypes.NpgsqlDbType.TimestampTz)
        {
            Value = progress.NextAttemptAt == DateTimeOffset.MinValue ? DBNull.Value : progress.NextAttemptAt.UtcDateTime,
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task UnlockAsync(NpgsqlConnection connection, string key)
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", connection);
            unlock.Parameters.AddWithValue("key", key);
            await unlock.ExecuteScalarAsync();
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
