using ReturnsActors.Grains.Policies;

namespace ReturnsActors.Grains.Rma;

/// <summary>Persisted state of one return. Round-trips through System.Text.Json (public get/set, enums as names).</summary>
[GenerateSerializer, Alias("ra.RmaState")]
public sealed class RmaState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public string TenantId { get; set; } = "";
    [Id(2)] public string RmaId { get; set; } = "";
    [Id(3)] public string OrderId { get; set; } = "";
    [Id(4)] public string Channel { get; set; } = "";
    [Id(5)] public RmaStatus Status { get; set; }
    [Id(6)] public bool OnHold { get; set; }
    [Id(7)] public string? HoldReason { get; set; }
    [Id(8)] public RmaStatus? StatusBeforeClose { get; set; }
    [Id(9)] public List<RmaLineState> Lines { get; set; } = [];
    [Id(10)] public List<DeadlineState> Deadlines { get; set; } = [];
    /// <summary>The policy version the return was created under, as its <c>return.requested</c> event carries it (<see cref="PolicyTerms"/>):
    /// its version and the terms that decide after opening, so later decisions stay consistent and the domain stays pure. The rules
    /// applied only at opening (windows, caps, auto-approve, fraud holds) keep their defaults here; states stored before the event
    /// carried the terms hold the whole document.</summary>
    [Id(11)] public PolicyDocument Policy { get; set; } = DefaultPolicy.Document;
    [Id(12)] public DateTimeOffset CreatedAt { get; set; }
    [Id(13)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(14)] public DateTimeOffset OrderDeliveredAt { get; set; }
    [Id(15)] public string? Carrier { get; set; }
    [Id(16)] public string? TrackingNumber { get; set; }
    [Id(17)] public string? LabelUrl { get; set; }
    [Id(18)] public SettlementKind? SettlementKind { get; set; }
    [Id(19)] public string? SettlementReference { get; set; }
    [Id(20)] public bool FraudSignal { get; set; }
    /// <summary>The events raised by the command being decided (hash-chained). The event log holds the whole history; the grain
    /// clears this once they are appended, so a snapshot carries none. A snapshot written by a release before the log was the
    /// record may hold up to 500; they are in the log too.</summary>
    [Id(21)] public List<RmaEvent> Events { get; set; } = [];
    /// <summary>Written only by releases before the log was the record: events stored with the state and not yet appended to the
    /// event log. An activation appends them (idempotently) and runs their effects; it stays empty from then on.</summary>
    [Id(22)] public List<RmaEvent> Outbox { get; set; } = [];
    [Id(23)] public long LastSeq { get; set; }
    [Id(24)] public string LastHash { get; set; } = AuditChain.GenesisHash;
    // Ids 25 and 26 (ChainAnchorSeq/Hash, when history was trimmed from the state) are retired: the log holds the whole chain.
    /// <summary>Bounded (<see cref="RmaMachine.MaxRecentCommands"/>) map of command ids to their answers.</summary>
    [Id(27)] public List<CommandRecord> RecentCommands { get; set; } = [];
    /// <summary>The customer's region, copied from the order; routing matches it against warehouse regions.</summary>
    [Id(28)] public string? Region { get; set; }
    /// <summary>The warehouse the return is routed to (set by routing, moved by rebalancing).</summary>
    [Id(29)] public string? WarehouseId { get; set; }
    /// <summary>Routing was decided (routed or found unroutable), so a re-drained authorization does not route twice.</summary>
    [Id(30)] public bool RoutingDecided { get; set; }
    /// <summary>The customer of the order, as the shop or ERP identifies them (for search and support).</summary>
    [Id(31)] public string? CustomerId { get; set; }
    /// <summary>The action of the last recorded recommendation, so an override names what it overrides.</summary>
    [Id(32)] public string? LastRecommendedAction { get; set; }
    /// <summary>The model version of the last recorded recommendation.</summary>
    [Id(33)] public string? LastRecommendationModelVersion { get; set; }
    /// <summary>Bookkeeping of the grain, not of the domain: the seq through which the side effects of the return's events (task
    /// queues, order ledger, tracking index, warehouses, suppliers, routing) have run. Null in a snapshot written by a release
    /// before the log was the record (its drained events had run their effects, its outbox had not).</summary>
    [Id(40)] public long? EffectsThrough { get; set; }
}

[GenerateSerializer, Alias("ra.RmaLineState")]
public sealed class RmaLineState
{
    [Id(0)] public string LineId { get; set; } = "";
    [Id(1)] public string OrderLineId { get; set; } = "";
    [Id(2)] public string Sku { get; set; } = "";
    [Id(3)] public string Category { get; set; } = "";
    [Id(4)] public int Quantity { get; set; }
    [Id(5)] public List<string> SerialNumbers { get; set; } = [];
    [Id(6)] public Money UnitPrice { get; set; } = Money.Zero("EUR");
    [Id(7)] public string ReasonCode { get; set; } = "";
    [Id(8)] public ReasonClass ReasonClass { get; set; }
    [Id(9)] public LineAcceptance Acceptance { get; set; }
    [Id(10)] public LineLogistics Logistics { get; set; }
    [Id(11)] public LineReceipt Receipt { get; set; }
    [Id(12)] public int QuantityReceived { get; set; }
    [Id(13)] public List<string> ReceivedSerials { get; set; } = [];
    [Id(14)] public bool SerialMismatch { get; set; }
    [Id(15)] public ItemGrade? Grade { get; set; }
    [Id(16)] public string? ConditionNotes { get; set; }
    [Id(17)] public List<string> EvidenceRefs { get; set; } = [];
    [Id(18)] public Disposition? Disposition { get; set; }
    [Id(19)] public SettlementKind? Settlement { get; set; }
    [Id(20)] public Money? SettledAmount { get; set; }
    [Id(21)] public Money? RestockingFee { get; set; }
    [Id(22)] public Money? Deduction { get; set; }
    /// <summary>The supplier of the order line, copied from the order; a return-to-vendor disposition is claimed from it.</summary>
    [Id(23)] public string? SupplierId { get; set; }

    /// <summary>Something physical arrived for this line that needs inspection.</summary>
    public bool IsInspectable => Acceptance == LineAcceptance.Accepted && (QuantityReceived > 0 || Receipt == LineReceipt.WrongItem);
}

[GenerateSerializer, Alias("ra.DeadlineState")]
public sealed class DeadlineState
{
    [Id(0)] public string Stage { get; set; } = "";
    [Id(1)] public DateTimeOffset StartedAt { get; set; }
    [Id(2)] public DateTimeOffset WarnAt { get; set; }
    [Id(3)] public DateTimeOffset DueAt { get; set; }
    [Id(4)] public DateTimeOffset? WarnedAt { get; set; }
    [Id(5)] public DateTimeOffset? BreachedAt { get; set; }
    [Id(6)] public DateTimeOffset? CompletedAt { get; set; }
}

/// <summary>A command id seen recently and its answer: the rejection, or success at the given seq.</summary>
[GenerateSerializer, Alias("ra.CommandRecord")]
public sealed class CommandRecord
{
    [Id(0)] public string CommandId { get; set; } = "";
    [Id(1)] public string CommandType { get; set; } = "";
    [Id(2)] public Rejection? Rejection { get; set; }
    [Id(3)] public long Seq { get; set; }
    /// <summary>What the HTTP request that carried this command id as its Idempotency-Key looked like (method, path, body hash),
    /// so the same key with another request is refused; null when the command came another way, or was folded from the log.</summary>
    [Id(4)] public string? Fingerprint { get; set; }
}
