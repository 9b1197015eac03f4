using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ReturnsActors.Api.Security;
using ReturnsActors.Api.Webhooks;

using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>The Cluster profile's subscriptions (<c>webhook_subscriptions</c>) and delivery logs (<c>webhook_deliveries</c>). Events are read
/// from <c>rma_events</c> as the projector reads them: after the subscription's checkpoint in the log's (epoch, tx_id, position) order
/// (<see cref="LogOrder"/>), and only from transactions older than every running one, so an event committed late is not skipped. One dispatcher delivers a subscription at a time:
/// the lease is a session advisory lock on the subscription (rather than the projector's FOR UPDATE SKIP LOCKED) so that each delivered
/// event's checkpoint can be committed on its own, before the next POST. Secrets are stored encrypted (<see cref="WebhookSecretProtector"/>).</summary>
internal sealed class PostgresWebhookStore(NpgsqlDataSource dataSource, WebhookSecretProtector secrets) : IWebhookSubscriptionStore, IWebhookOutbox
{
    private const string Columns = """
        id, tenant_id, url, event_types, description, status, disabled_reason, created_at, secret_rotated_at, previous_secret_expires_at
        """;

    public async Task CreateAsync(WebhookSubscription subscription, string secret, CancellationToken cancellationToken)
    {
        // The checkpoint starts at the oldest running transaction of the current epoch: every event committed from now on comes after it.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_subscriptions (tenant_id, id, url, event_types, description, status, secret, created_at,
                                               checkpoint_epoch, checkpoint_tx, checkpoint_position)
            VALUES (@tenant, @id, @url, @types, @description, @status, @secret, @created, ra_log_epoch(), pg_snapshot_xmin(pg_current_snapshot()), 0)
            """);
        command.Parameters.AddWithValue("tenant", subscription.TenantId);
        command.Parameters.AddWithValue("id", subscription.Id);
        command.Parameters.AddWithValue("url", subscription.Url);
        command.Parameters.AddWithValue("types", subscription.EventTypes.ToArray());
        command.Parameters.Add(Text("description", subscription.Description));
        command.Parameters.AddWithValue("status", subscription.Status);
        command.Parameters.AddWithValue("secret", secrets.Protect(secret));
        command.Parameters.AddWithValue("created", subscription.CreatedAt.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhook_subscriptions WHERE tenant_id = @tenant ORDER BY created_at, id");
        command.Parameters.AddWithValue("tenant", tenantId);
        return await ReadSubscriptionsAsync(command, cancellationToken);
    }

    public async Task<WebhookSubscription?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhook_subscriptions WHERE tenant_id = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadSubscriptionsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhook_subscriptions WHERE tenant_id = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<WebhookSubscription?> RotateSecretAsync(string tenantId, string id, string secret, DateTimeOffset previousExpiresAt,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhook_subscriptions SET previous_secret = secret, secret = @secret, secret_rotated_at = now(), previous_secret_expires_at = @expires
            WHERE tenant_id = @tenant AND id = @id
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("secret", secrets.Protect(secret));
        command.Parameters.AddWithValue("expires", previousExpiresAt.UtcDateTime);
        return (await ReadSubscriptionsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<WebhookDeliveryAttempt>?> ListDeliveriesAsync(string tenantId, string id, int limit, CancellationToken cancellationToken)
    {
        if (await GetAsync(tenantId, id, cancellationToken) is null)
        {
            return null;
        }

        await using var command = dataSource.CreateCommand("""
            SELECT event_id, event_type, rma_id, seq, attempt, delivered, status_code, error, attempted_at, next_attempt_at, dead_lettered, replay
            FROM webhook_deliveries WHERE tenant_id = @tenant AND subscription_id = @id ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("limit", limit);
        var attempts = new List<WebhookDeliveryAttempt>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new WebhookDeliveryAttempt(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4),
                reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7), Utc(reader.GetDateTime(8)),
                reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9)), reader.GetBoolean(10), reader.GetBoolean(11)));
        }

        return attempts;
    }

    public async Task<IReadOnlyList<(string TenantId, string Id)>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT s.tenant_id, s.id FROM webhook_subscriptions s
            WHERE s.status = 'active'
              AND ((s.next_attempt_at <= @now
                    AND EXISTS (SELECT 1 FROM rma_events e
                                WHERE e.tenant_id = s.tenant_id
                                  AND {LogOrder.After("e.", "s.checkpoint_epoch", "s.checkpoint_tx", "s.checkpoint_position")}))
                   OR EXISTS (SELECT 1 FROM webhook_dead_letters d
                              WHERE d.tenant_id = s.tenant_id AND d.subscription_id = s.id AND d.status = 'queued'))
            """);
        command.Parameters.AddWithValue("now", now.UtcDateTime);
        var due = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add((reader.GetString(0), reader.GetString(1)));
        }

        return due;
    }

    public async Task<WebhookLease?> ClaimAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await PgSessionLock.TryAcquireAsync(dataSource, $"webhook:{tenantId}/{id}", cancellationToken) is not { } held)
        {
            return null;
        }

        try
        {
            WebhookTarget? target = null;
            await using (var read = new NpgsqlCommand("""
                SELECT url, event_types, secret, CASE WHEN previous_secret_expires_at > @now THEN previous_secret END,
                       checkpoint_tx::text, checkpoint_position, failed_attempts, failing_since, next_attempt_at <= @now, checkpoint_epoch
                FROM webhook_subscriptions
                WHERE tenant_id = @tenant AND id = @id AND status = 'active'
                """, held.Connection))
            {
                read.Parameters.AddWithValue("tenant", tenantId);
                read.Parameters.AddWithValue("id", id);
                read.Parameters.AddWithValue("now", now.UtcDateTime);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    // A secret whose key is gone signs nothing; the sender then fails the delivery saying so.
                    string[] stored = reader.IsDBNull(3) ? [reader.GetString(2)] : [reader.GetString(2), reader.GetString(3)];
                    var signing = stored.Select(secrets.Unprotect).OfType<string>().ToList();
                    target = new WebhookTarget(tenantId, id, reader.GetString(0), reader.GetFieldValue<string[]>(1), signing,
                        new WebhookCursor(reader.GetInt32(9), ulong.Parse(reader.GetString(4), CultureInfo.InvariantCulture), reader.GetInt64(5)), reader.GetInt32(6),
                        reader.IsDBNull(7) ? null : Utc(reader.GetDateTime(7)), reader.GetBoolean(8));
                }
            }

            if (target is null)
            {
                await held.DisposeAsync();
                return null;
            }

            return new WebhookLease(target, held.DisposeAsync);
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<WebhookEvent>> ReadAfterAsync(string tenantId, WebhookCursor checkpoint, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT tx_id::text, position, rma_id, seq, type, occurred_at, data_json, epoch
            FROM rma_events
            WHERE tenant_id = @tenant AND {LogOrder.AfterParameters()}
            ORDER BY {LogOrder.OrderBy}
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("epoch", checkpoint.Epoch);
        command.Parameters.AddWithValue("tx", checkpoint.Tx.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("position", checkpoint.Position);
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<WebhookEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new WebhookEvent(new WebhookCursor(reader.GetInt32(7), ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1)), tenantId,
                reader.GetString(2), reader.GetInt64(3), reader.GetString(4), Utc(reader.GetDateTime(5)), reader.GetString(6)));
        }

        return events;
    }

    public async Task RecordAsync(string tenantId, string id, WebhookProgress progress, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand("""
            UPDATE webhook_subscriptions
            SET checkpoint_epoch = @epoch, checkpoint_tx = CAST(@tx AS xid8), checkpoint_position = @position, failed_attempts = @failed,
                next_attempt_at = coalesce(@next, '-infinity'::timestamptz), failing_since = @failing,
                status = CASE WHEN @disabled::text IS NULL THEN status ELSE 'disabled' END,
                disabled_reason = coalesce(@disabled::text, disabled_reason)
            WHERE tenant_id = @tenant AND id = @id
            """);
        update.Parameters.AddWithValue("tenant", tenantId);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("epoch", progress.Checkpoint.Epoch);
        update.Parameters.AddWithValue("tx", progress.Checkpoint.Tx.ToString(CultureInfo.InvariantCulture));
        update.Parameters.AddWithValue("position", progress.Checkpoint.Position);
        update.Parameters.AddWithValue("failed", progress.FailedAttempts);
        update.Parameters.Add(Time("next", progress.NextAttemptAt));
        update.Parameters.Add(Time("failing", progress.FailingSince));
        update.Parameters.Add(Text("disabled", progress.DisabledReason));
        batch.BatchCommands.Add(update);
        if (progress.Attempt is { } a)
        {
            batch.BatchCommands.Add(InsertAttempt(tenantId, id, a));
            if (progress.DeadLetterPayload is { } payload)
            {
                var dead = new NpgsqlBatchCommand("""
                    INSERT INTO webhook_dead_letters (tenant_id, subscription_id, event_id, event_type, rma_id, seq, payload, attempts, status_code, error, dead_at)
                    SELECT @tenant, @id, @event, @type, @rma, @seq, @payload, @attempt, @status, @error, @at
                    WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE tenant_id = @tenant AND id = @id)
                    ON CONFLICT (tenant_id, subscription_id, event_id) DO UPDATE
                    SET attempts = excluded.attempts, status_code = excluded.status_code, error = excluded.error, dead_at = excluded.dead_at, status = 'dead'
                    """);
                AddAttemptParameters(dead, tenantId, id, a);
                dead.Parameters.AddWithValue("payload", payload);
                batch.BatchCommands.Add(dead);
            }
        }

        // One implicit transaction: the checkpoint, the log entry and the dead letter are stored together.
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookDeadLetter>?> ListDeadLettersAsync(string tenantId, string id, string? status, int limit,
        CancellationToken cancellationToken)
    {
        if (await GetAsync(tenantId, id, cancellationToken) is null)
        {
            return null;
        }

        await using var command = DeadLetters.List(dataSource, tenantId, id, status, limit);
        return (await ReadDeadLettersAsync(command, cancellationToken)).Select(d => d.Letter).ToList();
    }

    public async Task<IReadOnlyList<WebhookDeadLetter>?> QueueReplayAsync(string tenantId, string id, string? eventId, CancellationToken cancellationToken)
    {
        if (await GetAsync(tenantId, id, cancellationToken) is null)
        {
            return null;
        }

        await using var command = DeadLetters.QueueReplay(dataSource, tenantId, id, eventId);
        return (await ReadDeadLettersAsync(command, cancellationToken)).Select(d => d.Letter).ToList();
    }

    public async Task<WebhookSubscription?> EnableAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhook_subscriptions
            SET status = 'active', disabled_reason = NULL, failed_attempts = 0, failing_since = NULL, next_attempt_at = '-infinity'
            WHERE tenant_id = @tenant AND id = @id
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadSubscriptionsAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<(WebhookDeadLetter Letter, string Payload)>> QueuedReplaysAsync(string tenantId, string id,
        CancellationToken cancellationToken)
    {
        await using var command = DeadLetters.Queued(dataSource, tenantId, id, "payload");
        return await ReadDeadLettersAsync(command, cancellationToken);
    }

    public async Task RecordReplayAsync(string tenantId, string id, WebhookDeliveryAttempt attempt, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand("""
            UPDATE webhook_dead_letters
            SET status = CASE WHEN @delivered THEN 'replayed' ELSE 'dead' END, attempts = @attempt,
                replayed_at = CASE WHEN @delivered THEN @at END,
                status_code = CASE WHEN @delivered THEN status_code ELSE @status END, error = CASE WHEN @delivered THEN error ELSE @error END
            WHERE tenant_id = @tenant AND subscription_id = @id AND event_id = @event
            """);
        AddAttemptParameters(update, tenantId, id, attempt);
        batch.BatchCommands.Add(update);
        batch.BatchCommands.Add(InsertAttempt(tenantId, id, attempt));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static readonly DeadLetterTable DeadLetters = new("webhook_dead_letters", "subscription_id", "event_id",
        "event_id, subscription_id, event_type, rma_id, seq, attempts, status_code, error, dead_at, status, replayed_at");

    private static async Task<IReadOnlyList<(WebhookDeadLetter Letter, string Payload)>> ReadDeadLettersAsync(NpgsqlCommand command,
        CancellationToken cancellationToken)
    {
        var letters = new List<(WebhookDeadLetter, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add((new WebhookDeadLetter(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                Utc(reader.GetDateTime(8)), reader.GetString(9), reader.IsDBNull(10) ? null : Utc(reader.GetDateTime(10))),
                reader.FieldCount > 11 ? reader.GetString(11) : ""));
        }

        return letters;
    }

    private static NpgsqlBatchCommand InsertAttempt(string tenantId, string id, WebhookDeliveryAttempt a)
    {
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO webhook_deliveries (tenant_id, subscription_id, event_id, event_type, rma_id, seq, attempt, delivered, status_code, error,
                                            attempted_at, next_attempt_at, dead_lettered, replay)
            SELECT @tenant, @id, @event, @type, @rma, @seq, @attempt, @delivered, @status, @error, @at, @next, @dead, @replay
            WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE tenant_id = @tenant AND id = @id)
            """);
        AddAttemptParameters(insert, tenantId, id, a);
        insert.Parameters.Add(Time("next", a.NextAttemptAt));
        insert.Parameters.AddWithValue("dead", a.DeadLettered);
        insert.Parameters.AddWithValue("replay", a.Replay);
        return insert;
    }

    private static void AddAttemptParameters(NpgsqlBatchCommand command, string tenantId, string id, WebhookDeliveryAttempt a)
    {
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("event", a.EventId);
        command.Parameters.AddWithValue("type", a.EventType);
        command.Parameters.AddWithValue("rma", a.RmaId);
        command.Parameters.AddWithValue("seq", a.Seq);
        command.Parameters.AddWithValue("attempt", a.Attempt);
        command.Parameters.AddWithValue("delivered", a.Delivered);
        command.Parameters.Add(new NpgsqlParameter("status", NpgsqlDbType.Integer) { Value = (object?)a.StatusCode ?? DBNull.Value });
        command.Parameters.Add(Text("error", a.Error));
        command.Parameters.AddWithValue("at", a.At.UtcDateTime);
    }


    private static async Task<IReadOnlyList<WebhookSubscription>> ReadSubscriptionsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<WebhookSubscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new WebhookSubscription(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), Utc(reader.GetDateTime(7)),
                reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8)), reader.IsDBNull(9) ? null : Utc(reader.GetDateTime(9))));
        }

        return list;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Time(string name, DateTimeOffset? value) =>
        new(name, NpgsqlDbType.TimestampTz) { Value = value is { } v ? v.UtcDateTime : DBNull.Value };
}
