namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>return.cancelled</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnCancelled")]
public sealed record ReturnCancelled([property: Id(0)] CancelledBy By, [property: Id(1)] string? Reason) : IRmaEventData
{
    public const string WireName = "return.cancelled";
}

/// <summary><c>return.expired</c>: the goods never left the customer (<c>manual</c> or <c>ship_by_passed</c>).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnExpired")]
public sealed record ReturnExpired([property: Id(0)] string Reason, [property: Id(1)] DateTimeOffset? ShipBy) : IRmaEventData
{
    public const string WireName = "return.expired";
}

/// <summary><c>return.closed</c>, from the status it was closed in.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnClosed")]
public sealed record ReturnClosed([property: Id(0)] RmaStatus? From) : IRmaEventData
{
    public const string WireName = "return.closed";
}

/// <summary><c>return.reopened</c>, back to <paramref name="Status"/>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnReopened")]
public sealed record ReturnReopened([property: Id(0)] string Reason, [property: Id(1)] RmaStatus Status) : IRmaEventData
{
    public const string WireName = "return.reopened";
}
