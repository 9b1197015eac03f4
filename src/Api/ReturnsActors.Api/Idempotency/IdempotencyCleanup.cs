using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReturnsActors.Api.Idempotency;

/// <summary>Deletes expired idempotency keys every few minutes. Every silo runs it; the deletes are harmless twins.</summary>
internal sealed partial class IdempotencyCleanup(IIdempotencyStore store, ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var purged = await store.PurgeExpiredAsync(stoppingToken);
                if (purged > 0)
                {
                    LogPurged(logger, purged);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store may be briefly unreachable; the next tick tries again.
                LogFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired idempotency keys failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
