namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>return.hold_placed</c>: settlement pauses. A replacement out of stock names its <paramref name="Kind"/> and <paramref name="Skus"/>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnHoldPlaced")]
public sealed record ReturnHoldPlaced(
    [property: Id(0)] string Reason,
    [property: Id(1)] SettlementKind? Kind = null,
    [property: Id(2)] IReadOnlyList<string>? Skus = null) : IRmaEventData
{
    public const string WireName = "return.hold_placed";
}

/// <summary><c>return.hold_released</c>: the hold of <paramref name="Reason"/> is lifted.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnHoldReleased")]
public sealed record ReturnHoldReleased([property: Id(0)] string? Reason, [property: Id(1)] string? Note) : IRmaEventData
{
    public const string WireName = "return.hold_released";
}
