using Npgsql;
using ReturnsActors.Api.Idempotency;

namespace ReturnsActors.Silo.Persistence;

/// <summary>The Cluster profile's <see cref="IIdempotencyStore"/>: table <c>idempotency_keys</c> (migration V0006).
/// A claim is one INSERT ... ON CONFLICT, so two silos racing for the same key cannot both win.</summary>
internal sealed class PostgresIdempotencyStore(NpgsqlDataSource dataSource) : IIdempotencyStore
{
    public async Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string fingerprint, DateTimeOffset expiresAt,
        TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        // Takes the key when it is free, expired, or claimed by a request that died (no response after lockTimeout);
        // otherwise returns nothing and the existing row is read below.
        await using (var claim = dataSource.CreateCommand("""
            INSERT INTO idempotency_keys AS k (scope, idempotency_key, fingerprint, locked_at, expires_at)
            VALUES (@scope, @key, @fingerprint, now(), @expires)
            ON CONFLICT (scope, idempotency_key) DO UPDATE
                SET fingerprint = EXCLUDED.fingerprint, locked_at = now(), expires_at = EXCLUDED.expires_at,
                    completed_at = NULL, status_code = NULL, content_type = NULL, location = NULL, body = NULL
                WHERE k.expires_at <= now() OR (k.completed_at IS NULL AND k.locked_at <= now() - @lockTimeout)
            RETURNING 1
            """))
        {
            claim.Parameters.AddWithValue("scope", scope);
            claim.Parameters.AddWithValue("key", key);
            claim.Parameters.AddWithValue("fingerprint", fingerprint);
            claim.Parameters.AddWithValue("expires", expiresAt);
            claim.Parameters.AddWithValue("lockTimeout", lockTimeout);
            if (await claim.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return new IdempotencyClaim(IdempotencyClaimState.Claimed, fingerprint, null);
            }
        }

        await using var read = dataSource.CreateCommand("""
            SELECT fingerprint, completed_at IS NOT NULL, status_code, content_type, location, body
            FROM idempotency_keys WHERE scope = @scope AND idempotency_key = @key
            """);
        read.Parameters.AddWithValue("scope", scope);
        read.Parameters.AddWithValue("key", key);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            // Released between the two statements: the caller's request may simply run again.
            return await TryBeginAfterReleaseAsync(scope, key, fingerprint, expiresAt, lockTimeout, cancellationToken);
        }

        var storedFingerprint = reader.GetString(0);
        if (!reader.GetBoolean(1))
        {
            return new IdempotencyClaim(IdempotencyClaimState.InFlight, storedFingerprint, null);
        }

        var response = new StoredResponse(
            reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? [] : (byte[])reader.GetValue(5));
        return new IdempotencyClaim(IdempotencyClaimState.Completed, storedFingerprint, response);
    }

    public async Task CompleteAsync(string scope, string key, StoredResponse response, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE idempotency_keys
            SET completed_at = now(), status_code = @status, content_type = @contentType, location = @location, body = @body
            WHERE scope = @scope AND idempotency_key = @key
            """);
        command.Parameters.AddWithValue("scope", scope);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("status", response.StatusCode);
        command.Parameters.AddWithValue("contentType", (object?)response.ContentType ?? DBNull.Value);
        command.Parameters.AddWithValue("location", (object?)response.Location ?? DBNull.Value);
        command.Parameters.AddWithValue("body", response.Body);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM idempotency_keys WHERE scope = @scope AND idempotency_key = @key AND completed_at IS NULL");
        command.Parameters.AddWithValue("scope", scope);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM idempotency_keys WHERE expires_at <= now()");
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private Task<IdempotencyClaim> TryBeginAfterReleaseAsync(string scope, string key, string fingerprint, DateTimeOffset expiresAt,
        TimeSpan lockTimeout, CancellationToken cancellationToken) =>
        TryBeginAsync(scope, key, fingerprint, expiresAt, lockTimeout, cancellationToken);
}
