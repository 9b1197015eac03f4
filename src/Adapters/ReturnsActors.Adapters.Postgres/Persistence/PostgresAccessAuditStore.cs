using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Api.Audit;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The Cluster profile's <see cref="IAccessAuditStore"/>: tables <c>access_audit</c> and <c>access_audit_settings</c> (V0031).</summary>
internal sealed class PostgresAccessAuditStore(NpgsqlDataSource dataSource) : IAccessAuditStore
{
    private const int PruneBatch = 5_000;

    public async Task AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        // One statement for the batch: arrays unnested into rows.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO access_audit (tenant_id, at, subject, key_id, method, route, path, action, status, outcome, duration_ms, remote_ip)
            SELECT * FROM unnest(@tenant, @at, @subject, @keyId, @method, @route, @path, @action, @status, @outcome, @duration, @ip)
            """);
        Array(command, "tenant", NpgsqlDbType.Text, records.Select(r => (object?)r.TenantId));
        Array(command, "at", NpgsqlDbType.TimestampTz, records.Select(r => (object?)r.At));
        Array(command, "subject", NpgsqlDbType.Text, records.Select(r => (object?)r.Subject));
        Array(command, "keyId", NpgsqlDbType.Text, records.Select(r => (object?)r.KeyId));
        Array(command, "method", NpgsqlDbType.Text, records.Select(r => (object?)r.Method));
        Array(command, "route", NpgsqlDbType.Text, records.Select(r => (object?)r.Route));
        Array(command, "path", NpgsqlDbType.Text, records.Select(r => (object?)r.Path.Replace("\0", "", StringComparison.Ordinal)));
        Array(command, "action", NpgsqlDbType.Text, records.Select(r => (object?)r.Action));
        Array(command, "status", NpgsqlDbType.Integer, records.Select(r => (object?)r.Status));
        Array(command, "outcome", NpgsqlDbType.Text, records.Select(r => (object?)r.Outcome));
        Array(command, "duration", NpgsqlDbType.Integer, records.Select(r => (object?)r.DurationMs));
        Array(command, "ip", NpgsqlDbType.Text, records.Select(r => (object?)r.RemoteIp));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Array(NpgsqlCommand command, string name, NpgsqlDbType type, IEnumerable<object?> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values.Select(v => v ?? DBNull.Value).ToArray() });

    public async Task<IReadOnlyList<AccessRecord>> QueryAsync(AccessQuery q, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, tenant_id, at, subject, key_id, method, route, path, action, status, outcome, duration_ms, remote_ip
            FROM access_audit
            WHERE tenant_id = @tenant
              AND (@from::timestamptz IS NULL OR at >= @from) AND (@to::timestamptz IS NULL OR at < @to)
              AND (@subject::text IS NULL OR subject = @subject) AND (@keyId::text IS NULL OR key_id = @keyId)
              AND (@action::text IS NULL OR action = @action) AND (@outcome::text IS NULL OR outcome = @outcome)
              AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", q.TenantId);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.TimestampTz) { Value = (object?)q.From ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.TimestampTz) { Value = (object?)q.To ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("subject", NpgsqlDbType.Text) { Value = (object?)q.Subject ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("keyId", NpgsqlDbType.Text) { Value = (object?)q.KeyId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("action", NpgsqlDbType.Text) { Value = (object?)q.Action ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("outcome", NpgsqlDbType.Text) { Value = (object?)q.Outcome ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)q.BeforeId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", q.Limit);
        var records = new List<AccessRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new AccessRecord(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetInt32(9), reader.GetString(10), reader.GetInt32(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return records;
    }

    public async Task<int?> GetRetentionDaysAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT retention_days FROM access_audit_settings WHERE tenant_id = @tenant");
        command.Parameters.AddWithValue("tenant", tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) is int days ? days : null;
    }

    public async Task SetRetentionDaysAsync(string tenantId, int days, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO access_audit_settings (tenant_id, retention_days) VALUES (@tenant, @days)
            ON CONFLICT (tenant_id) DO UPDATE SET retention_days = EXCLUDED.retention_days
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("days", days);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes in batches so that a long backlog never holds one huge transaction; silos pruning at once only
    /// share the work (a row deleted twice is deleted once).</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, int defaultDays, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM access_audit WHERE id IN (
                    SELECT a.id FROM access_audit a LEFT JOIN access_audit_settings s ON s.tenant_id = a.tenant_id
                    WHERE a.at < @now - make_interval(days => COALESCE(s.retention_days, @defaultDays))
                    LIMIT @batch)
                """);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("defaultDays", defaultDays);
            command.Parameters.AddWithValue("batch", PruneBatch);
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < PruneBatch)
            {
                return total;
            }
        }
    }
}
