using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The audit trail in PostgreSQL. Appends are idempotent by (tenant, rma, seq); a replay of an event
/// with a different hash means two writers diverged, and is refused rather than hidden.</summary>
internal sealed class PostgresRmaEventLog(NpgsqlDataSource dataSource) : IRmaEventLog, IRmaEventQuery
{
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
        await using var command = dataSource.CreateCommand("""
            SELECT coalesce(sum((l ->> 'quantity')::bigint), 0)::bigint,
                   coalesce(sum((l ->> 'quantity')::bigint) FILTER (WHERE l ->> 'reasonClass' = 'defect'), 0)::bigint
            FROM rma_events e CROSS JOIN LATERAL jsonb_array_elements(e.data_json::jsonb -> 'lines') AS l
            WHERE e.tenant_id = @tenant AND e.type = 'return.requested' AND e.occurred_at >= @from AND e.occurred_at < @before
              AND e.rma_id <> @rma AND l ->> 'category' = @category
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("from", from.UtcDateTime);
        command.Parameters.AddWithValue("before", before.UtcDateTime);
        command.Parameters.AddWithValue("rma", excludeRmaId);
        command.Parameters.AddWithValue("category", category);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new CategoryReturnUnits(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return;
        }

        var (tenantId, rmaId) = SplitKey(rmaKey);
        await using var command = dataSource.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest(@seq, @type, @occurred_at, @actor, @command_id, @policy_version, @rule_ids, @data_json, @prev_hash, @hash)
                    AS i(seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
            ), inserted AS (
                INSERT INTO rma_events (tenant_id, rma_id, seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash)
                SELECT @tenant, @rma, seq, type, occurred_at, actor, command_id, policy_version, string_to_array(rule_ids, E'\x1f'), data_json, prev_hash, hash
                FROM input
                ON CONFLICT (tenant_id, rma_id, seq) DO NOTHING
                RETURNING seq
            )
            SELECT e.seq FROM rma_events e JOIN input i ON e.seq = i.seq
            WHERE e.tenant_id = @tenant AND e.rma_id = @rma AND e.hash <> i.hash
              AND NOT EXISTS (SELECT 1 FROM inserted WHERE inserted.seq = e.seq)
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("rma", rmaId);
        command.Parameters.AddWithValue("seq", events.Select(e => e.Seq).ToArray());
        command.Parameters.AddWithValue("type", events.Select(e => e.Type).ToArray());
        command.Parameters.AddWithValue("occurred_at", events.Select(e => e.OccurredAt.UtcDateTime).ToArray());
        command.Parameters.AddWithValue("actor", events.Select(e => e.Actor).ToArray());
        command.Parameters.AddWithValue("command_id", events.Select(e => e.CommandId).ToArray());
        command.Parameters.AddWithValue("policy_version", events.Select(e => e.PolicyVersion).ToArray());
        // unnest cannot zip a jagged text[][]: rule ids travel joined by the ASCII unit separator.
        command.Parameters.AddWithValue("rule_ids", events.Select(e => string.Join('\x1f', e.RuleIds)).ToArray());
        command.Parameters.AddWithValue("data_json", events.Select(e => e.DataJson).ToArray());
        command.Parameters.AddWithValue("prev_hash", events.Select(e => e.PrevHash).ToArray());
        command.Parameters.AddWithValue("hash", events.Select(e => e.Hash).ToArray());

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Event {rmaKey}#{reader.GetInt64(0)} is already logged with a different hash.");
        }
    }

    public async Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default)
    {
        var (tenantId, rmaId) = SplitKey(rmaKey);
        await using var command = dataSource.CreateCommand("""
            SELECT seq, type, occurred_at, actor, command_id, policy_version, rule_ids, data_json, prev_hash, hash
            FROM rma_events WHERE tenant_id = @tenant AND rma_id = @rma ORDER BY seq
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("rma", rmaId);
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

    internal static (string TenantId, string RmaId) SplitKey(string rmaKey)
    {
        var slash = rmaKey.IndexOf('/');
        return slash > 0 ? (rmaKey[..slash], rmaKey[(slash + 1)..]) : throw new ArgumentException($"'{rmaKey}' is not {{tenant}}/{{rma}}.", nameof(rmaKey));
    }
}
