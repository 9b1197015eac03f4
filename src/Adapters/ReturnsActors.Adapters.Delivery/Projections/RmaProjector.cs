using System.Diagnostics.Metrics;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Silo.Projections;

/// <summary>Returns that changed, read from the event log in a stable order.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="RmaId">The return.</param>
/// <param name="Warehouse">The warehouse a receipt event named, if any.</param>
/// <param name="Type">The event type.</param>
/// <param name="OccurredAt">When the event happened.</param>
/// <param name="SlaStage">The stage an SLA event names, if any.</param>
internal sealed record RmaChange(string TenantId, string RmaId, string? Warehouse, string Type = "", DateTimeOffset OccurredAt = default, string? SlaStage = null)
{
    public static RmaChange From(string tenantId, string rmaId, string type, DateTimeOffset occurredAt, string dataJson)
    {
        var data = RmaEventCatalog.Deserialize(type, dataJson);
        return new(tenantId, rmaId, RmaProjector.WarehouseOf(data), type, occurredAt, (data as ISlaEvent)?.Stage);
    }
}

/// <summary>A batch of changes; <see cref="CommitAsync"/> acknowledges it once projected, disposing without a
/// commit hands the same changes out again.</summary>
internal sealed class RmaChangeBatch(
    IReadOnlyList<RmaChange> changes, TimeSpan oldestAge, Func<CancellationToken, Task>? commit = null, Func<ValueTask>? release = null) : IAsyncDisposable
{
    public static RmaChangeBatch Empty { get; } = new([], TimeSpan.Zero);

    public IReadOnlyList<RmaChange> Changes => changes;
    public TimeSpan OldestAge => oldestAge;

    public Task CommitAsync(CancellationToken cancellationToken) => commit?.Invoke(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>Where the projector learns which returns changed: PostgreSQL's event log in Cluster, a channel in Embedded.</summary>
internal interface IRmaChangeFeed
{
    /// <summary>The next batch (empty when there is nothing new, after a short wait).</summary>
    Task<RmaChangeBatch> NextAsync(CancellationToken cancellationToken);

    /// <summary>Events written to the log but not projected yet (approximate).</summary>
    long Lag { get; }
}

/// <summary>Projects the event log into the read model: for each return that changed, its row folded from its events in
/// the log (<see cref="RmaReadModelFold"/>), upserted only if newer (idempotent); a return whose log predates the fields
/// the fold needs is projected from its grain's view, as before. The feed's checkpoint moves only after the batch is
/// stored, so a restart catches up from where it stopped.
/// The business counters (transitions, SLA warnings and breaches, refund latency) are counted here, after the
/// checkpoint commits, rather than in the event-log writer: the writer sees retried and replayed appends (the outbox
/// drains again after a failure; appends are idempotent) and runs on every silo, while the projector sees each
/// committed event once in log order, on the one silo holding the checkpoint. A rebuild of the read model from
/// the log counts the log again.</summary>
internal sealed partial class RmaProjector : BackgroundService
{
    private readonly IRmaChangeFeed _feed;
    private readonly IRmaReadModel _readModel;
    private readonly IRmaEventLog _log;
    private readonly IGrainFactory _grains;
    private readonly ILogger<RmaProjector> _logger;
    private double _lagSeconds;

    private readonly ReturnsMetrics _metrics;

    public RmaProjector(IRmaChangeFeed feed, IRmaReadModel readModel, IRmaEventLog log, IGrainFactory grains, ILogger<RmaProjector> logger,
        IMeterFactory meters, ReturnsMetrics metrics)
    {
        _metrics = metrics;
        _feed = feed;
        _readModel = readModel;
        _log = log;
        _grains = grains;
        _logger = logger;
        var meter = meters.Create(ReturnsMetrics.MeterName);
        meter.CreateObservableGauge("returnsactors.projection.lag_events", () => _feed.Lag, description: "Events in the log not yet projected into the read model");
        meter.CreateObservableGauge("returnsactors.projection.lag_seconds", () => _lagSeconds, unit: "s", description: "Age of the oldest event not yet projected");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var batch = await _feed.NextAsync(stoppingToken);
                _lagSeconds = batch.OldestAge.TotalSeconds;
                var refunds = new List<TimeSpan>();
                foreach (var change in batch.Changes.GroupBy(c => (c.TenantId, c.RmaId)))
                {
                    var key = $"{change.Key.TenantId}/{change.Key.RmaId}";
                    var row = RmaReadModelFold.Fold(change.Key.RmaId, await _log.ReadAsync(key, stoppingToken)) ?? await FromViewAsync(key, change);
                    if (row is not null)
                    {
                        await _readModel.UpsertAsync(change.Key.TenantId, row, stoppingToken);
                        refunds.AddRange(change.Where(c => c.Type == RefundIssued.WireName).Select(c => c.OccurredAt - row.CreatedAt));
                    }
                }

                await batch.CommitAsync(stoppingToken);
                foreach (var change in batch.Changes)
                {
                    _metrics.Transition(change.Type, change.SlaStage);
                }

                refunds.ForEach(_metrics.RefundIssued);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The checkpoint did not move: the same batch is projected again after the pause.
                LogProjectionFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>The row of a return whose log cannot be folded (written before <c>return.requested</c> carried its SLA hours):
    /// from the grain's view, with the warehouse that received the goods, else the one the return is routed to.</summary>
    private async Task<RmaSummary?> FromViewAsync(string key, IEnumerable<RmaChange> changes) =>
        await _grains.GetGrain<IRmaGrain>(key).GetAsync() is { } view
            ? RmaSummaries.From(view, changes.LastOrDefault(c => c.Warehouse is not null)?.Warehouse ?? view.WarehouseId)
            : null;

    /// <summary>The warehouse named by a receipt or routing event, if any.</summary>
    internal static string? WarehouseOf(IRmaEventData data) => data switch
    {
        ReceiptRecorded receipt => receipt.Warehouse,
        ReturnRouted routed => routed.Warehouse,
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read-model projection failed; retrying the same batch")]
    private partial void LogProjectionFailed(Exception ex);
}
