using Npgsql;

using ReturnsActors.Silo.Persistence;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>Cluster: every <c>Webhooks:PruneIntervalSeconds</c> one silo (a transaction-less session advisory lock; the others skip the
/// round) deletes delivery-log rows and replayed dead letters older than <c>Webhooks:RetentionHours</c>, in batches so no statement
/// holds many row locks or runs long. Dead letters that were not replayed are kept until they are.</summary>
internal sealed partial class OutboundPruner(NpgsqlDataSource dataSource, OutboundRetention retention, TimeProvider time, ILogger<OutboundPruner> logger)
    : BackgroundService
{
    private const int BatchSize = 5000;

    private static readonly string[] Statements =
    [
        "DELETE FROM webhook_deliveries WHERE ctid = ANY (ARRAY(SELECT ctid FROM webhook_deliveries WHERE attempted_at < @cutoff LIMIT @batch))",
        "DELETE FROM webhook_dead_letters WHERE ctid = ANY (ARRAY(SELECT ctid FROM webhook_dead_letters WHERE status = 'replayed' AND replayed_at < @cutoff LIMIT @batch))",
        "DELETE FROM connector_dead_letters WHERE ctid = ANY (ARRAY(SELECT ctid FROM connector_dead_letters WHERE status = 'replayed' AND replayed_at < @cutoff LIMIT @batch))",
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var deleted = await PruneAsync(time.GetUtcNow() - retention.Keep, stoppingToken);
                if (deleted > 0)
                {
                    LogPruned(deleted);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPruneFailed(ex);
            }

            await Task.Delay(retention.Interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Deletes what is older than <paramref name="cutoff"/>; 0 when another silo is pruning.</summary>
    internal async Task<long> PruneAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var held = await PgSessionLock.TryAcquireAsync(dataSource, "outbound-prune", cancellationToken);
        if (held is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var sql in Statements)
        {
            int deleted;
            do
            {
                await using var delete = new NpgsqlCommand(sql, held.Connection);
                delete.Parameters.AddWithValue("cutoff", cutoff.UtcDateTime);
                delete.Parameters.AddWithValue("batch", BatchSize);
                deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
                total += deleted;
            }
            while (deleted == BatchSize);
        }

        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Rows} delivery-log rows and replayed dead letters past their retention")]
    private partial void LogPruned(long rows);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning outbound deliveries failed; trying again next round")]
    private partial void LogPruneFailed(Exception ex);
}

/// <summary>How long the delivery log and replayed dead letters are kept, and how often they are pruned.</summary>
internal sealed record OutboundRetention(TimeSpan Keep, TimeSpan Interval);
