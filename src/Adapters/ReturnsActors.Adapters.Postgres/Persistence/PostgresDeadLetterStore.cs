using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Api.DeadLetters;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The Cluster profile's <see cref="IDeadLetterStore"/>: table <c>dead_letters</c> (migration V0008).</summary>
internal sealed class PostgresDeadLetterStore(NpgsqlDataSource dataSource) : IDeadLetterStore
{
    private const string Columns = "id, tenant_id, source, reason_code, reason, event_id, rma_id, content_type, headers::text, body, received_at, status, replay_attempts, replayed_at, last_replay_error";

    public async Task AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO dead_letters (tenant_id, id, source, reason_code, reason, event_id, rma_id, content_type, headers, body, received_at)
            VALUES (@tenant, @id, @source, @code, @reason, @eventId, @rmaId, @contentType, @headers, @body, @receivedAt)
            ON CONFLICT (tenant_id, id) DO NOTHING
            """);
        command.Parameters.AddWithValue("tenant", letter.TenantId);
        command.Parameters.AddWithValue("id", letter.Id);
        command.Parameters.AddWithValue("source", letter.Source);
        command.Parameters.AddWithValue("code", letter.ReasonCode);
        command.Parameters.AddWithValue("reason", letter.Reason);
        command.Parameters.AddWithValue("eventId", (object?)letter.EventId ?? DBNull.Value);
        command.Parameters.AddWithValue("rmaId", (object?)letter.RmaId ?? DBNull.Value);
        command.Parameters.AddWithValue("contentType", (object?)letter.ContentType ?? DBNull.Value);
        command.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(letter.Headers) });
        // PostgreSQL text refuses NUL; a body carrying one is kept with the character escaped.
        command.Parameters.AddWithValue("body", letter.Body.Replace("\0", "\\u0000", StringComparison.Ordinal));
        command.Parameters.AddWithValue("receivedAt", letter.ReceivedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DeadLetter?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM dead_letters WHERE tenant_id = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        var letters = await ReadAsync(command, cancellationToken);
        return letters.Count == 0 ? null : letters[0];
    }

    /// <summary>A letter by id alone, whatever its tenant (the operators' CLI).</summary>
    public async Task<DeadLetter?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM dead_letters WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        var letters = await ReadAsync(command, cancellationToken);
        return letters.Count == 0 ? null : letters[0];
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string? tenantId, string? status, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM dead_letters
            WHERE (@tenant::text IS NULL OR tenant_id = @tenant) AND (@status::text IS NULL OR status = @status)
            ORDER BY received_at DESC, id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", NpgsqlDbType.Text, (object?)tenantId ?? DBNull.Value);
        command.Parameters.AddWithValue("status", NpgsqlDbType.Text, (object?)status ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task RecordReplayAsync(string tenantId, string id, bool succeeded, string? error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE dead_letters
            SET replay_attempts = replay_attempts + 1,
                status = CASE WHEN @succeeded THEN 'replayed' ELSE status END,
                replayed_at = CASE WHEN @succeeded THEN @at ELSE replayed_at END,
                last_replay_error = CASE WHEN @succeeded THEN NULL ELSE @error END
            WHERE tenant_id = @tenant AND id = @id
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("succeeded", succeeded);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("error", NpgsqlDbType.Text, (object?)error ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<DeadLetter>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(new DeadLetter(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(8)) ?? [],
                reader.GetString(9),
                reader.GetFieldValue<DateTimeOffset>(10),
                reader.GetString(11),
                reader.GetInt32(12),
                reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
                reader.IsDBNull(14) ? null : reader.GetString(14)));
        }

        return letters;
    }
}
