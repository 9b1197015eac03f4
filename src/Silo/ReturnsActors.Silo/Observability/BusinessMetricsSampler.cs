using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Silo.Observability;

/// <summary>Refreshes the business gauges (returns by state, task queue depth and age) every few seconds, so a
/// scrape never queries the read model or calls a grain. Every silo samples the same cluster-wide figures:
/// aggregate them with max, not sum.</summary>
internal sealed partial class BusinessMetricsSampler(IRmaReadModel readModel, IGrainFactory grains, ReturnsMetrics metrics, ILogger<BusinessMetricsSampler> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly string[] _queues = [TaskQueues.Review, TaskQueues.Fraud, TaskQueues.InspectionException, TaskQueues.Escalations];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                try
                {
                    metrics.Snapshot = await SampleAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSampleFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<BusinessSnapshot> SampleAsync(CancellationToken cancellationToken)
    {
        var counts = await readModel.CountByStatusAsync(cancellationToken);
        var queues = new List<(string, string, int, double)>();
        foreach (var tenant in counts.Select(c => c.TenantId).Distinct(StringComparer.Ordinal))
        {
            foreach (var queue in _queues)
            {
                var stats = await grains.GetGrain<ITaskQueueGrain>($"{tenant}/{queue}").GetStatsAsync();
                queues.Add((tenant, queue, stats.Depth, stats.OldestAge?.TotalSeconds ?? 0));
            }
        }

        return new BusinessSnapshot(counts.Select(c => (c.TenantId, c.Status.ToString(), c.Count)).ToList(), queues);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sampling the business metrics failed; the gauges keep their last values")]
    private partial void LogSampleFailed(Exception ex);
}
