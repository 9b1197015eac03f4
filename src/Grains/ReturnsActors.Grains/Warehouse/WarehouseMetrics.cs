using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>Warehouse metrics on the <c>ReturnsActors</c> meter (exported by the silo's OpenTelemetry setup).
/// The gauges report the warehouses active on this silo; each warehouse is active on exactly one silo.</summary>
public static class WarehouseMetrics
{
    public const string MeterName = "ReturnsActors";

    private static readonly Meter _meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, (int Units, double AgeSeconds)> _backlogs = new();

    private static readonly Counter<long> _alerts = _meter.CreateCounter<long>("returnsactors.warehouse.backlog_alerts", description: "Backlog warnings and breaches raised");
    private static readonly Histogram<int> _batchSize = _meter.CreateHistogram<int>("returnsactors.warehouse.report_batch_items", description: "Return reports per batch applied by a warehouse");

    static WarehouseMetrics()
    {
        _meter.CreateObservableGauge("returnsactors.warehouse.backlog_units",
            () => _backlogs.Select(kv => new Measurement<int>(kv.Value.Units, new KeyValuePair<string, object?>("warehouse", kv.Key))),
            description: "Units received and not yet inspected");
        _meter.CreateObservableGauge("returnsactors.warehouse.backlog_oldest_age_seconds",
            () => _backlogs.Select(kv => new Measurement<double>(kv.Value.AgeSeconds, new KeyValuePair<string, object?>("warehouse", kv.Key))),
            description: "Age of the oldest uninspected return");
    }

    public static void Alert(string warehouseKey, string eventType) =>
        _alerts.Add(1, new KeyValuePair<string, object?>("warehouse", warehouseKey), new KeyValuePair<string, object?>("event", eventType));

    public static void Batch(int items) => _batchSize.Record(items);

    public static void Backlog(string warehouseKey, int units, TimeSpan? age) => _backlogs[warehouseKey] = (units, age?.TotalSeconds ?? 0);

    public static void Forget(string warehouseKey) => _backlogs.TryRemove(warehouseKey, out _);
}
