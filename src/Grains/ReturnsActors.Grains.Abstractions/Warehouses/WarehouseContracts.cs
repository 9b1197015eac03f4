using System.Text.Json.Serialization;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>How full a warehouse's inspection backlog is against its thresholds.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<BacklogLevel>))]
public enum BacklogLevel
{
    Normal = 0,
    Warning = 1,
    Breached = 2,
}

/// <summary>Registers a warehouse or replaces its capabilities, capacity and backlog thresholds.</summary>
/// <remarks>
/// <para><c>Regions</c>: Customer regions it takes returns from (e.g. <c>DE</c>, <c>FR</c>); empty takes every region.</para>
/// <para><c>Categories</c>: Product categories it can handle; empty or <c>*</c> takes every category.</para>
/// <para><c>Grading</c>: It can grade items (required for defect and warranty returns, whose grade backs a vendor claim).</para>
/// <para><c>Refurbishment</c>: It can refurbish items.</para>
/// <para><c>DailyCapacityUnits</c>: Units it can receive and inspect in a day; open work (expected inbound plus backlog) beyond it stops new routes.</para>
/// <para><c>CostPerUnit</c>: Handling cost per unit, the routing tie-breaker (cheapest first).</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.RegisterWarehouse")]
public sealed record RegisterWarehouse(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<string> Regions,
    [property: Id(2)] IReadOnlyList<string> Categories,
    [property: Id(3)] bool Grading,
    [property: Id(4)] bool Refurbishment,
    [property: Id(5)] int DailyCapacityUnits,
    [property: Id(6)] decimal CostPerUnit,
    [property: Id(7)] int BacklogWarningUnits = 0,
    [property: Id(8)] int BacklogBreachUnits = 0,
    [property: Id(9)] double BacklogWarningHours = 24,
    [property: Id(10)] double BacklogBreachHours = 48);

/// <summary>What routing needs to know about one warehouse; kept by the tenant's <see cref="IWarehouseDirectoryGrain"/>.</summary>
/// <remarks>
/// <para><c>OpenUnits</c>: Expected inbound plus inspection backlog, as of the warehouse's last report flush.</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.WarehouseSummary")]
public sealed record WarehouseSummary(
    [property: Id(0)] string WarehouseId,
    [property: Id(1)] IReadOnlyList<string> Regions,
    [property: Id(2)] IReadOnlyList<string> Categories,
    [property: Id(3)] bool Grading,
    [property: Id(4)] bool Refurbishment,
    [property: Id(5)] int DailyCapacityUnits,
    [property: Id(6)] decimal CostPerUnit,
    [property: Id(7)] int OpenUnits)
{
    public int CapacityLeft => DailyCapacityUnits - OpenUnits;

    public bool AcceptingRoutes => CapacityLeft > 0;
}

/// <summary>The figures of a warehouse.</summary>
/// <remarks>
/// <para><c>ExpectedInboundUnits</c>: Units of authorized returns routed here and not yet received.</para>
/// <para><c>BacklogUnits</c>: Units received and not yet inspected.</para>
/// <para><c>OldestBacklogAge</c>: Age of the oldest received, uninspected return.</para>
/// <para><c>FirstPassGrades</c>: Lines by the grade of their first inspection here (A, B, C, D).</para>
/// <para><c>ProcessedUnits</c>: Units dispositioned here, all time (throughput).</para>
/// <para><c>ProcessedLast24Hours</c>: Units dispositioned in the last 24 hours.</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.WarehouseFigures")]
public sealed record WarehouseFigures(
    [property: Id(0)] int ExpectedInboundUnits,
    [property: Id(1)] int ExpectedInboundReturns,
    [property: Id(2)] int BacklogUnits,
    [property: Id(3)] int BacklogReturns,
    [property: Id(4)] TimeSpan? OldestBacklogAge,
    [property: Id(5)] int ReceivedUnits,
    [property: Id(6)] int InspectedUnits,
    [property: Id(7)] IReadOnlyDictionary<string, int> FirstPassGrades,
    [property: Id(8)] int ProcessedUnits,
    [property: Id(9)] int ProcessedLast24Hours,
    [property: Id(10)] int CapacityLeft,
    [property: Id(11)] bool AcceptingRoutes,
    [property: Id(12)] BacklogLevel BacklogLevel);

/// <summary>Something that happened to a warehouse (<c>warehouse.backlog_warning</c>, <c>warehouse.backlog_breached</c>, <c>warehouse.backlog_cleared</c>).</summary>
[GenerateSerializer, Immutable, Alias("ra.WarehouseEvent")]
public sealed record WarehouseEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] DateTimeOffset OccurredAt,
    [property: Id(2)] string Detail);

/// <summary>A warehouse as the API shows it. <c>ExpectedInboundRmaIds</c> lists the oldest 100 expected returns.</summary>
[GenerateSerializer, Immutable, Alias("ra.WarehouseView")]
public sealed record WarehouseView(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string WarehouseId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Regions,
    [property: Id(4)] IReadOnlyList<string> Categories,
    [property: Id(5)] bool Grading,
    [property: Id(6)] bool Refurbishment,
    [property: Id(7)] int DailyCapacityUnits,
    [property: Id(8)] decimal CostPerUnit,
    [property: Id(9)] WarehouseFigures Figures,
    [property: Id(10)] IReadOnlyList<WarehouseEvent> RecentEvents,
    [property: Id(11)] IReadOnlyList<string> ExpectedInboundRmaIds);

/// <summary>The answer to a warehouse command.</summary>
[GenerateSerializer, Immutable, Alias("ra.WarehouseResult")]
public sealed record WarehouseResult([property: Id(0)] WarehouseView? Warehouse, [property: Id(1)] Rejection? Rejection, [property: Id(2)] bool Created = false)
{
    public static WarehouseResult Ok(WarehouseView view, bool created = false) => new(view, null, created);
    public static WarehouseResult Refused(Rejection rejection) => new(null, rejection);
}

/// <summary>What one return event means to its warehouse.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<WarehouseReportKind>))]
public enum WarehouseReportKind
{
    Routed = 0,
    Unrouted = 1,
    Received = 2,
    Inspected = 3,
    Dispositioned = 4,
}

/// <summary>One return event reported to a warehouse. Applied at most once per <c>(RmaId, Seq)</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.WarehouseReportItem")]
public sealed record WarehouseReportItem(
    [property: Id(0)] string RmaId,
    [property: Id(1)] long Seq,
    [property: Id(2)] WarehouseReportKind Kind,
    [property: Id(3)] int Units,
    [property: Id(4)] DateTimeOffset OccurredAt,
    [property: Id(5)] string? LineId = null,
    [property: Id(6)] ItemGrade? Grade = null,
    [property: Id(7)] Disposition? Disposition = null);

/// <summary>A warehouse. Key: <c>{tenantId}/{warehouseId}</c>.</summary>
public interface IWarehouseGrain : IGrainWithStringKey
{
    /// <summary>Registers the warehouse or updates its capabilities and capacity.</summary>
    Task<WarehouseResult> RegisterAsync(RegisterWarehouse command);

    /// <summary>The warehouse with its figures, or null when it was never registered.</summary>
    Task<WarehouseView?> GetAsync();

    /// <summary>Applies a batch of return reports, each at most once per (rma, seq). Called by the per-silo
    /// <see cref="IWarehouseReportAggregatorGrain"/>, never by a return directly.</summary>
    Task ApplyReportsAsync(IReadOnlyList<WarehouseReportItem> items);

    /// <summary>Re-evaluates backlog age against the thresholds (the reminder calls it; age grows without reports).</summary>
    Task<WarehouseView?> CheckBacklogAsync();

    /// <summary>Returns routed here and not yet received, newest first, whose moving would bring open work back to capacity
    /// (all of them when <paramref name="maxReturns"/> allows).</summary>
    Task<IReadOnlyList<string>> PlanRebalanceAsync(int maxReturns);
}

/// <summary>The warehouses of one tenant, as routing sees them. Key: <c>{tenantId}</c>.</summary>
public interface IWarehouseDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces a warehouse's summary (the warehouse calls it after a registration or a report flush).</summary>
    Task UpsertAsync(WarehouseSummary summary);

    /// <summary>Every warehouse of the tenant.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<WarehouseSummary>> ListAsync();
}

/// <summary>Per-silo batching of return reports to warehouses (hot-grain safety). Key: 0.</summary>
public interface IWarehouseReportAggregatorGrain : IGrainWithIntegerKey
{
    /// <summary>Queues the items for the warehouse <paramref name="warehouseKey"/> and completes once the batch that carries
    /// them has been applied by the warehouse (or fails with it), so the caller keeps its at-least-once guarantee.</summary>
    Task ReportAsync(string warehouseKey, IReadOnlyList<WarehouseReportItem> items);
}

/// <summary>One return moved by a rebalance.</summary>
[GenerateSerializer, Immutable, Alias("ra.RebalanceMove")]
public sealed record RebalanceMove([property: Id(0)] string RmaId, [property: Id(1)] string? ToWarehouseId, [property: Id(2)] string? Refused);

/// <summary>What a rebalance did.</summary>
[GenerateSerializer, Immutable, Alias("ra.RebalanceResult")]
public sealed record RebalanceResult([property: Id(0)] string WarehouseId, [property: Id(1)] IReadOnlyList<RebalanceMove> Moves);

/// <summary>Moves expected inbound returns off an over-capacity warehouse. Key: <c>{tenantId}/{warehouseId}</c>.
/// A grain of its own so that the warehouse never waits on a return (which reports back to the warehouse).</summary>
public interface IWarehouseRebalancerGrain : IGrainWithStringKey
{
    /// <summary>Reroutes up to <paramref name="maxReturns"/> not-yet-received returns to other warehouses by the routing rules.</summary>
    Task<RebalanceResult> RebalanceAsync(string actor, int maxReturns);
}
