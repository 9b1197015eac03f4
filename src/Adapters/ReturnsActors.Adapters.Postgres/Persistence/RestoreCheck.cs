using Npgsql;

namespace ReturnsActors.Silo.Persistence;

/// <summary>One log epoch (V0032): the PostgreSQL cluster it was opened on, when, and why.</summary>
internal sealed record LogEpoch(int Epoch, long SystemIdentifier, DateTimeOffset StartedAt, string Reason);

/// <summary>Where one log subscriber stands: its kind (<c>projection</c>, <c>webhook</c>, <c>connector</c>), its name, its checkpoint
/// (<c>epoch:tx:position</c>) and how many committed events of its tenant (all tenants for the projection) are after it.</summary>
internal sealed record SubscriberLag(string Kind, string TenantId, string Name, string Checkpoint, long Lag);

/// <summary>What an operator checks on a restored (or moved) database: the log epochs and this cluster's identity, the returns whose
/// chains to verify, and every subscriber's lag in the one log order (<see cref="LogOrder"/>).</summary>
internal sealed class RestoreCheck(NpgsqlDataSource dataSource)
{
    public async Task<(long SystemIdentifier, IReadOnlyList<LogEpoch> Epochs)> EpochsAsync(CancellationToken cancellationToken)
    {
        await using var here = dataSource.CreateCommand("SELECT system_identifier FROM pg_control_system()");
        var systemIdentifier = (long)(await here.ExecuteScalarAsync(cancellationToken))!;
        await using var command = dataSource.CreateCommand("SELECT epoch, system_identifier, started_at, reason FROM ra_log_epochs ORDER BY epoch");
        var epochs = new List<LogEpoch>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            epochs.Add(new LogEpoch(reader.GetInt32(0), reader.GetInt64(1), new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero), reader.GetString(3)));
        }

        return (systemIdentifier, epochs);
    }

    /// <summary>Every return in the log as its grain key (<c>tenant/rma</c>).</summary>
    public async Task<IReadOnlyList<string>> ReturnsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT tenant_id, rma_id FROM rma_events ORDER BY tenant_id, rma_id");
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add($"{reader.GetString(0)}/{reader.GetString(1)}");
        }

        return keys;
    }

    public async Task<IReadOnlyList<SubscriberLag>> LagsAsync(CancellationToken cancellationToken)
    {
        static string Lag(string epoch, string tx, string position, string tenantFilter) =>
            $"(SELECT count(*) FROM rma_events e WHERE {tenantFilter}{LogOrder.After("e.", epoch, tx, position)})";
        await using var command = dataSource.CreateCommand($"""
            SELECT 'projection', '', p.name, p.epoch || ':' || p.tx_id || ':' || p.position,
                   {Lag("p.epoch", "p.tx_id", "p.position", "")}
            FROM projection_checkpoints p
            UNION ALL
            SELECT 'webhook', s.tenant_id, s.id || ' (' || s.status || ')',
                   s.checkpoint_epoch || ':' || s.checkpoint_tx || ':' || s.checkpoint_position,
                   {Lag("s.checkpoint_epoch", "s.checkpoint_tx", "s.checkpoint_position", "e.tenant_id = s.tenant_id AND ")}
            FROM webhook_subscriptions s
            UNION ALL
            SELECT 'connector', c.tenant_id, c.channel, c.checkpoint_epoch || ':' || c.checkpoint_tx || ':' || c.checkpoint_position,
                   {Lag("c.checkpoint_epoch", "c.checkpoint_tx", "c.checkpoint_position", "e.tenant_id = c.tenant_id AND ")}
            FROM connector_checkpoints c
            ORDER BY 1, 2, 3
            """);
        var lags = new List<SubscriberLag>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lags.Add(new SubscriberLag(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
        }

        return lags;
    }
}
