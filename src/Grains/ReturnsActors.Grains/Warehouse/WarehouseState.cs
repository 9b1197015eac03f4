namespace ReturnsActors.Grains.Warehouses;

/// <summary>Persisted state of one warehouse. Round-trips through System.Text.Json.</summary>
[GenerateSerializer, Alias("ra.WarehouseState")]
public sealed class WarehouseState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public List<string> Regions { get; set; } = [];
    [Id(3)] public List<string> Categories { get; set; } = [];
    [Id(4)] public bool Grading { get; set; }
    [Id(5)] public bool Refurbishment { get; set; }
    [Id(6)] public int DailyCapacityUnits { get; set; }
    [Id(7)] public decimal CostPerUnit { get; set; }
    [Id(8)] public int BacklogWarningUnits { get; set; }
    [Id(9)] public int BacklogBreachUnits { get; set; }
    [Id(10)] public double BacklogWarningHours { get; set; }
    [Id(11)] public double BacklogBreachHours { get; set; }
    /// <summary>Returns routed here or received here, by rma id, until they leave (dispositioned or rerouted) and age out.</summary>
    [Id(12)] public Dictionary<string, WarehouseRmaTrack> Rmas { get; set; } = [];
    [Id(13)] public Dictionary<string, int> FirstPassGrades { get; set; } = [];
    [Id(14)] public int ReceivedUnits { get; set; }
    [Id(15)] public int InspectedUnits { get; set; }
    [Id(16)] public int ProcessedUnits { get; set; }
    /// <summary>Units dispositioned per hour (UTC hour start), the last 48 hours, for throughput.</summary>
    [Id(17)] public Dictionary<string, int> ProcessedByHour { get; set; } = [];
    [Id(18)] public BacklogLevel BacklogLevel { get; set; }
    [Id(19)] public List<WarehouseEvent> Events { get; set; } = [];
}

/// <summary>What one warehouse knows of one return.</summary>
[GenerateSerializer, Alias("ra.WarehouseRmaTrack")]
public sealed class WarehouseRmaTrack
{
    /// <summary>The last report applied: reports are applied at most once per (rma, seq).</summary>
    [Id(0)] public long LastSeq { get; set; }
    [Id(1)] public int ExpectedUnits { get; set; }
    [Id(2)] public int ReceivedUnits { get; set; }
    [Id(3)] public int InspectedUnits { get; set; }
    [Id(4)] public DateTimeOffset RoutedAt { get; set; }
    [Id(5)] public DateTimeOffset? ReceivedAt { get; set; }
    [Id(6)] public List<string> InspectedLines { get; set; } = [];
    /// <summary>Set when the return left this warehouse's work (all dispositioned, rerouted away, cancelled); pruned after a while.</summary>
    [Id(7)] public DateTimeOffset? DoneAt { get; set; }

    public int BacklogUnits => Math.Max(0, ReceivedUnits - InspectedUnits);
}
