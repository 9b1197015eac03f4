using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>How returns' warehouse reports are batched.</summary>
public sealed class WarehouseReportingOptions
{
    /// <summary>How long the first report of a batch waits for others before the batch is flushed.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A batch with this many items is flushed at once.</summary>
    public int MaxBatchItems { get; set; } = 500;
}

/// <summary>The hot-warehouse design. In peak season one warehouse sees thousands of return events a second; were each
/// return to call its warehouse grain, that one activation would serialize them all. Instead a return hands its reports
/// to this stateless worker, which Orleans activates locally on the caller's silo (one activation per silo, reentrant),
/// so the hand-off never leaves the silo. Reports for the same warehouse join one open batch; the first report's call
/// waits <see cref="WarehouseReportingOptions.FlushInterval"/> (or until <see cref="WarehouseReportingOptions.MaxBatchItems"/>),
/// then sends the whole batch in one call. The warehouse thus takes at most (silos × 1/interval) calls a second whatever
/// the event rate. Each caller's task completes only when its batch was applied, so a return removes events from its
/// outbox only after the warehouse has them (at-least-once); the warehouse drops duplicates by (rma, seq).</summary>
[StatelessWorker(1)]
[Reentrant]
public sealed class WarehouseReportAggregatorGrain(IOptions<WarehouseReportingOptions> options) : Grain, IWarehouseReportAggregatorGrain
{
    private readonly Dictionary<string, Batch> _open = new(StringComparer.Ordinal);

    public async Task ReportAsync(string warehouseKey, IReadOnlyList<WarehouseReportItem> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        var leader = false;
        if (!_open.TryGetValue(warehouseKey, out var batch))
        {
            batch = new Batch();
            _open[warehouseKey] = batch;
            leader = true;
        }

        batch.Items.AddRange(items);
        if (batch.Items.Count >= options.Value.MaxBatchItems)
        {
            Close(warehouseKey, batch);
            batch.Full.TrySetResult();
        }

        if (!leader)
        {
            await batch.Done.Task;
            return;
        }

        await Task.WhenAny(Task.Delay(options.Value.FlushInterval), batch.Full.Task);
        Close(warehouseKey, batch);
        try
        {
            await GrainFactory.GetGrain<IWarehouseGrain>(warehouseKey).ApplyReportsAsync(batch.Items);
            batch.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            batch.Done.TrySetException(ex);
            throw;
        }
    }

    private void Close(string warehouseKey, Batch batch)
    {
        if (_open.TryGetValue(warehouseKey, out var current) && ReferenceEquals(current, batch))
        {
            _open.Remove(warehouseKey);
        }
    }

    private sealed class Batch
    {
        public List<WarehouseReportItem> Items { get; } = [];
        public TaskCompletionSource Full { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
