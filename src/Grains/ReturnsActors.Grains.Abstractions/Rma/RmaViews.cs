namespace ReturnsActors.Grains.Rma;

/// <summary>One line of a return as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.RmaLineView")]
public sealed record RmaLineView(
    [property: Id(0)] string LineId,
    [property: Id(1)] string OrderLineId,
    [property: Id(2)] string Sku,
    [property: Id(3)] string Category,
    [property: Id(4)] int Quantity,
    [property: Id(5)] IReadOnlyList<string> SerialNumbers,
    [property: Id(6)] Money UnitPrice,
    [property: Id(7)] string ReasonCode,
    [property: Id(8)] ReasonClass ReasonClass,
    [property: Id(9)] LineAcceptance Acceptance,
    [property: Id(10)] LineLogistics Logistics,
    [property: Id(11)] LineReceipt Receipt,
    [property: Id(12)] int QuantityReceived,
    [property: Id(13)] bool SerialMismatch,
    [property: Id(14)] ItemGrade? Grade,
    [property: Id(15)] Disposition? Disposition,
    [property: Id(16)] SettlementKind? Settlement,
    [property: Id(17)] Money? SettledAmount,
    [property: Id(18)] Money? RestockingFee,
    [property: Id(19)] Money? Deduction,
    [property: Id(20)] string? SupplierId = null);

/// <summary>A stage deadline (authorize, ship, receive, inspect, refund).</summary>
[GenerateSerializer, Immutable, Alias("ra.DeadlineView")]
public sealed record DeadlineView(
    [property: Id(0)] string Stage,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset DueAt,
    [property: Id(3)] DateTimeOffset? WarnedAt,
    [property: Id(4)] DateTimeOffset? BreachedAt,
    [property: Id(5)] DateTimeOffset? CompletedAt);

/// <summary>A return as the API shows it. <c>Version</c> is the seq of its last event.</summary>
[GenerateSerializer, Immutable, Alias("ra.RmaView")]
public sealed record RmaView(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string RmaId,
    [property: Id(2)] string OrderId,
    [property: Id(3)] string Channel,
    [property: Id(4)] RmaStatus Status,
    [property: Id(5)] bool OnHold,
    [property: Id(6)] string? HoldReason,
    [property: Id(7)] IReadOnlyList<RmaLineView> Lines,
    [property: Id(8)] IReadOnlyList<DeadlineView> Deadlines,
    [property: Id(9)] int PolicyVersion,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateTimeOffset UpdatedAt,
    [property: Id(12)] DateTimeOffset OrderDeliveredAt,
    [property: Id(13)] string? Carrier,
    [property: Id(14)] string? TrackingNumber,
    [property: Id(15)] Money? SettlementTotal,
    [property: Id(16)] string? SettlementReference,
    [property: Id(17)] long Version,
    [property: Id(18)] string? WarehouseId = null,
    [property: Id(19)] string? Region = null,
    [property: Id(20)] string? CustomerId = null);

/// <summary>The answer to a return command: the return after the command, or why it was refused.</summary>
/// <param name="Rma">The return after the command.</param>
/// <param name="Rejection">Why the command was refused.</param>
/// <param name="Replayed">True when the command id was seen before and this is its first answer again.</param>
[GenerateSerializer, Immutable, Alias("ra.RmaResult")]
public sealed record RmaResult(
    [property: Id(0)] RmaView? Rma,
    [property: Id(1)] Rejection? Rejection,
    [property: Id(2)] bool Replayed = false)
{
    public static RmaResult Ok(RmaView rma, bool replayed = false) => new(rma, null, replayed);
    public static RmaResult Refused(Rejection rejection, bool replayed = false) => new(null, rejection, replayed);
}
