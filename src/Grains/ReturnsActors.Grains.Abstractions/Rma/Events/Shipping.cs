namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>label.created</c>: the return label the customer ships with.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.LabelCreated")]
public sealed record LabelCreated([property: Id(0)] string Carrier, [property: Id(1)] string TrackingNumber, [property: Id(2)] string? LabelUrl) : IRmaEventData
{
    public const string WireName = "label.created";
}

/// <summary>A carrier tracking event, applied by meaning: <see cref="Stale"/> when it arrived after a later one.</summary>
public interface IShipmentEvent : IRmaEventData
{
    DateTimeOffset? CarrierOccurredAt { get; }

    bool Stale { get; }

    /// <summary>The return's status after the event.</summary>
    RmaStatus Status { get; }
}

/// <summary><c>shipment.in_transit</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ShipmentInTransit")]
public sealed record ShipmentInTransit([property: Id(0)] DateTimeOffset? CarrierOccurredAt, [property: Id(1)] bool Stale, [property: Id(2)] RmaStatus Status) : IShipmentEvent
{
    public const string WireName = "shipment.in_transit";
}

/// <summary><c>shipment.delivered</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ShipmentDelivered")]
public sealed record ShipmentDelivered([property: Id(0)] DateTimeOffset? CarrierOccurredAt, [property: Id(1)] bool Stale, [property: Id(2)] RmaStatus Status) : IShipmentEvent
{
    public const string WireName = "shipment.delivered";
}

/// <summary><c>shipment.lost</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ShipmentLost")]
public sealed record ShipmentLost([property: Id(0)] DateTimeOffset? CarrierOccurredAt, [property: Id(1)] bool Stale, [property: Id(2)] RmaStatus Status) : IShipmentEvent
{
    public const string WireName = "shipment.lost";
}

/// <summary><c>shipment.not_dropped_off</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ShipmentNotDroppedOff")]
public sealed record ShipmentNotDroppedOff([property: Id(0)] DateTimeOffset? CarrierOccurredAt, [property: Id(1)] bool Stale, [property: Id(2)] RmaStatus Status) : IShipmentEvent
{
    public const string WireName = "shipment.not_dropped_off";
}
