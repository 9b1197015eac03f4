using Npgsql;
using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.Silo.Projections;

/// <summary>Reads rma_events after the checkpoint, in the log's (epoch, tx_id, position) order (<see cref="LogOrder"/>) and only
/// from transactions older than every running one, so nothing committed late is skipped. The checkpoint row is locked for the batch
/// (FOR UPDATE SKIP LOCKED): with several silos one projects while the others wait.</summary>
internal sealed class PostgresRmaChangeFeed(NpgsqlDataSource dataSource) : IRmaChangeFeed
{
    private const int BatchSize = 500;
    private static readonly TimeSpan _idle = TimeSpan.FromMilliseconds(250);
    private long _lag;

    public long Lag => Interlocked.Read(ref _lag);

    public async Task<RmaChangeBatch> NextAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var tx = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            string? checkpointTx = null;
            long checkpointPosition = 0;
            var checkpointEpoch = 0;
            await using (var read = new NpgsqlCommand(
                "SELECT tx_id::text, position, epoch FROM projection_checkpoints WHERE name = 'rma_read' FOR UPDATE SKIP LOCKED", connection, tx))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    checkpointTx = reader.GetString(0);
                    checkpointPosition = reader.GetInt64(1);
                    checkpointEpoch = reader.GetInt32(2);
                }
            }

            if (checkpointTx is null)
            {
                // Another silo is projecting.
                await DisposeAsync(connection, tx);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return RmaChangeBatch.Empty;
            }

            var changes = new List<RmaChange>();
            string lastTx = checkpointTx;
            var lastPosition = checkpointPosition;
            var lastEpoch = checkpointEpoch;
            var oldest = TimeSpan.Zero;
            await using (var events = new NpgsqlCommand($"""
                SELECT tx_id::text, position, tenant_id, rma_id, type, data_json, now() - recorded_at, occurred_at, epoch
                FROM rma_events
                WHERE {LogOrder.AfterParameters()}
                ORDER BY {LogOrder.OrderBy}
                LIMIT @limit
                """, connection, tx))
            {
                events.Parameters.AddWithValue("epoch", checkpointEpoch);
                events.Parameters.AddWithValue("tx", checkpointTx);
                events.Parameters.AddWithValue("position", checkpointPosition);
                events.Parameters.AddWithValue("limit", BatchSize);
                await using var reader = await events.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    lastTx = reader.GetString(0);
                    lastPosition = reader.GetInt64(1);
                    lastEpoch = reader.GetInt32(8);
                    if (changes.Count == 0)
                    {
                        oldest = reader.GetFieldValue<TimeSpan>(6);
                    }

                    changes.Add(RmaChange.From(reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero), reader.GetString(5)));
                }
            }

            await using (var lag = new NpgsqlCommand("SELECT coalesce(max(position), 0) FROM rma_events", connection, tx))
            {
                Interlocked.Exchange(ref _lag, Math.Max(0, (long)(await lag.ExecuteScalarAsync(cancellationToken))! - lastPosition));
            }

            if (changes.Count == 0)
            {
                await DisposeAsync(connection, tx);
                await Task.Delay(_idle, cancellationToken);
                return RmaChangeBatch.Empty;
            }

            return new RmaChangeBatch(changes, oldest,
                async ct =>
                {
                    await using var commit = new NpgsqlCommand(
                        "UPDATE projection_checkpoints SET epoch = @epoch, tx_id = CAST(@tx AS xid8), position = @position, updated_at = now() WHERE name = 'rma_read'",
                        connection, tx);
                    commit.Parameters.AddWithValue("epoch", lastEpoch);
                    commit.Parameters.AddWithValue("tx", lastTx);
                    commit.Parameters.AddWithValue("position", lastPosition);
                    await commit.ExecuteNonQueryAsync(ct);
                    await tx.CommitAsync(ct);
                },
                () => new ValueTask(DisposeAsync(connection, tx)));
        }
        catch
        {
            await DisposeAsync(connection, tx);
            throw;
        }
    }

    private static async Task DisposeAsync(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        await tx.DisposeAsync();
        await connection.DisposeAsync();
    }
}
