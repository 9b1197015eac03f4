using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Rmas;

/// <summary>Opens a return against an order. <c>rmaId</c> is optional (one is generated); repeat the same
/// <c>Idempotency-Key</c> to retry safely.</summary>
public sealed record CreateRmaRequest(string? RmaId, string? OrderId, IReadOnlyList<RequestedLineRequest>? Lines, string? CustomerNote, bool FraudSignal = false);

public sealed record RequestedLineRequest(string? OrderLineId, int Quantity, string? ReasonCode, ReasonClass ReasonClass, IReadOnlyList<string>? SerialNumbers);

public sealed record NoteRequest(string? Note);

public sealed record ReasonRequest(string? Reason);

public sealed record CancelRequest(CancelledBy By, string? Reason);

public sealed record LabelRequest(string? Carrier, string? TrackingNumber, string? LabelUrl);

public sealed record CarrierEventRequest(CarrierEventKind Kind, DateTimeOffset? OccurredAt);

public sealed record ReceiptRequest(IReadOnlyList<ReceivedLine>? Lines, bool Final = false, string? Warehouse = null);

public sealed record InspectionRequest(IReadOnlyList<InspectedLine>? Lines);

public sealed record DispositionRequest(IReadOnlyList<LineDisposition>? Lines);

public sealed record SettleRequest(SettlementKind Kind);

public sealed record ConfirmSettlementRequest(string? Reference);

public sealed record ResolveWithoutReturnRequest(SettlementKind Kind, string? Reason);

public sealed record TextRequest(string? Text);

/// <summary>The audit trail of one return.</summary>
public sealed record RmaEventsResponse(string RmaId, IReadOnlyList<RmaEvent> Events);
