using ReturnsActors.Grains.Policies;

namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>return.requested</c>: a return was opened against an order and found eligible. Additive fields, absent in events
/// written before they were added: <c>customerId</c> and <c>region</c> (upper case), copied from the order and absent when it
/// names none; <c>sla</c>, the SLA hours of the policy the return is governed by, so its deadlines can be followed from its events;
/// <c>orderDeliveredAt</c>, when the order was delivered (the return window counts from it); <c>policy</c>, the identity and the
/// later-deciding terms of that policy (<see cref="PolicyTerms"/>), so the return's state can be rebuilt from its events alone.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnRequested")]
public sealed record ReturnRequested(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string Channel,
    [property: Id(2)] string? CustomerNote,
    [property: Id(3)] bool FraudSignal,
    [property: Id(4)] IReadOnlyList<ReturnRequestedLine> Lines,
    [property: Id(5)] string? CustomerId = null,
    [property: Id(6)] string? Region = null,
    [property: Id(7)] SlaHours? Sla = null,
    [property: Id(8)] DateTimeOffset? OrderDeliveredAt = null,
    [property: Id(9)] PolicyTerms? Policy = null) : IRmaEventData
{
    public const string WireName = "return.requested";
}

/// <summary>One line of <see cref="ReturnRequested"/>, as copied from the order; <c>supplierId</c> is additive, absent when none.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnRequestedLine")]
public sealed record ReturnRequestedLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] string OrderLineId,
    [property: Id(2)] string Sku,
    [property: Id(3)] string Category,
    [property: Id(4)] int Quantity,
    [property: Id(5)] IReadOnlyList<string> SerialNumbers,
    [property: Id(6)] Money UnitPrice,
    [property: Id(7)] string ReasonCode,
    [property: Id(8)] ReasonClass ReasonClass,
    [property: Id(9)] string? SupplierId = null);
