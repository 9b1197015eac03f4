namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>settlement.requested</c>: the settlement the ERP is asked to book, per accepted line.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.SettlementRequested")]
public sealed record SettlementRequested(
    [property: Id(0)] SettlementKind Kind,
    [property: Id(1)] Money? Total,
    [property: Id(2)] IReadOnlyList<SettlementLine> Lines) : IRmaEventData
{
    public const string WireName = "settlement.requested";
}

/// <summary>One line of <see cref="SettlementRequested"/>: units settled, their value, fee, deduction and the amount.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.SettlementLine")]
public sealed record SettlementLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] int Units,
    [property: Id(2)] Money Value,
    [property: Id(3)] Money RestockingFee,
    [property: Id(4)] Money Deduction,
    [property: Id(5)] Money Amount);

/// <summary>The settlement was booked (the return is resolved): refund, credit or replacement.</summary>
public interface ISettlementIssued : IRmaEventData
{
    SettlementKind? Kind { get; }

    string Reference { get; }

    Money? Total { get; }
}

/// <summary><c>settlement.refund_issued</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.RefundIssued")]
public sealed record RefundIssued([property: Id(0)] SettlementKind? Kind, [property: Id(1)] string Reference, [property: Id(2)] Money? Total) : ISettlementIssued
{
    public const string WireName = "settlement.refund_issued";
}

/// <summary><c>settlement.credit_issued</c> (store credit or credit memo).</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.CreditIssued")]
public sealed record CreditIssued([property: Id(0)] SettlementKind? Kind, [property: Id(1)] string Reference, [property: Id(2)] Money? Total) : ISettlementIssued
{
    public const string WireName = "settlement.credit_issued";
}

/// <summary><c>settlement.replacement_created</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReplacementCreated")]
public sealed record ReplacementCreated([property: Id(0)] SettlementKind? Kind, [property: Id(1)] string Reference, [property: Id(2)] Money? Total) : ISettlementIssued
{
    public const string WireName = "settlement.replacement_created";
}

/// <summary><c>return.resolved_without_return</c>: keep-it; the customer keeps the goods and is settled.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.ReturnResolvedWithoutReturn")]
public sealed record ReturnResolvedWithoutReturn([property: Id(0)] SettlementKind Kind, [property: Id(1)] string Reason, [property: Id(2)] Money? Total) : IRmaEventData
{
    public const string WireName = "return.resolved_without_return";
}
