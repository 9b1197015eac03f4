namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>return.routed</c>: the warehouse the return goes to (<paramref name="PreviousWarehouse"/> when rebalanced).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnRouted")]
public sealed record ReturnRouted(
    [property: Id(0)] string Warehouse,
    [property: Id(1)] string? PreviousWarehouse,
    [property: Id(2)] int Units,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? Note) : IRmaEventData
{
    public const string WireName = "return.routed";
}

/// <summary><c>return.unroutable</c>: no warehouse qualifies.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnUnroutable")]
public sealed record ReturnUnroutable([property: Id(0)] string Reason, [property: Id(1)] int Units) : IRmaEventData
{
    public const string WireName = "return.unroutable";
}
