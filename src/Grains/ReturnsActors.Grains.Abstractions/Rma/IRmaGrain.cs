namespace ReturnsActors.Grains.Rma;

/// <summary>One return (RMA). Key: <c>{tenantId}/{rmaId}</c>. Every command answers with the new view or a typed rejection.</summary>
public interface IRmaGrain : IGrainWithStringKey
{
    /// <summary>Requests the return; checks eligibility against the order and the tenant's policy in force.</summary>
    Task<RmaResult> CreateAsync(CreateRma command);

    /// <summary>Authorizes a requested or reviewed return.</summary>
    Task<RmaResult> ApproveAsync(ApproveRma command);

    /// <summary>Declines a requested or reviewed return.</summary>
    Task<RmaResult> DeclineAsync(DeclineRma command);

    /// <summary>Sends the return to manual review (creates a task in the review queue).</summary>
    Task<RmaResult> FlagForReviewAsync(FlagRmaForReview command);

    /// <summary>Cancels the return (customer or merchant).</summary>
    Task<RmaResult> CancelAsync(CancelRma command);

    /// <summary>Records a return label.</summary>
    Task<RmaResult> RecordLabelAsync(RecordLabel command);

    /// <summary>Applies a carrier event (in transit, delivered, lost, not dropped off), out of order allowed.</summary>
    Task<RmaResult> RecordCarrierEventAsync(RecordCarrierEvent command);

    /// <summary>Records what the warehouse received (full, partial, short, wrong item, serial mismatch).</summary>
    Task<RmaResult> RecordReceiptAsync(RecordReceipt command);

    /// <summary>Records inspection grades, notes and evidence.</summary>
    Task<RmaResult> RecordInspectionAsync(RecordInspection command);

    /// <summary>Dispositions inspected lines (explicit or by policy).</summary>
    Task<RmaResult> DispositionAsync(DispositionRma command);

    /// <summary>Requests settlement; blocked while on hold.</summary>
    Task<RmaResult> SettleAsync(SettleRma command);

    /// <summary>Confirms the settlement was issued; resolves the return.</summary>
    Task<RmaResult> ConfirmSettlementAsync(ConfirmSettlement command);

    /// <summary>Keep-it / returnless resolution.</summary>
    Task<RmaResult> ResolveWithoutReturnAsync(ResolveWithoutReturn command);

    /// <summary>Expires a return whose goods never shipped.</summary>
    Task<RmaResult> ExpireAsync(ExpireRma command);

    /// <summary>Closes a resolved or declined return.</summary>
    Task<RmaResult> CloseAsync(CloseRma command);

    /// <summary>Reopens a closed return.</summary>
    Task<RmaResult> ReopenAsync(ReopenRma command);

    /// <summary>Adds a note.</summary>
    Task<RmaResult> AddNoteAsync(AddRmaNote command);

    /// <summary>Places the return on hold.</summary>
    Task<RmaResult> PlaceHoldAsync(PlaceRmaHold command);

    /// <summary>Releases the hold.</summary>
    Task<RmaResult> ReleaseHoldAsync(ReleaseRmaHold command);

    /// <summary>Records a task assignment, completion or escalation on the audit trail (called by task queues).</summary>
    Task<RmaResult> RecordTaskActivityAsync(RecordTaskActivity command);

    /// <summary>Records an advisory recommendation (advisory or auto-applied) on the audit trail.</summary>
    Task<RmaResult> RecordRecommendationAsync(RecordRecommendation command);

    /// <summary>Records that a person chose another action than the last recommendation.</summary>
    Task<RmaResult> OverrideRecommendationAsync(OverrideRecommendation command);

    /// <summary>Routes a routed, not yet received return to another warehouse by the routing rules (rebalancing).</summary>
    Task<RmaResult> RerouteAsync(RerouteRma command);

    /// <summary>The return, or null when it was never created.</summary>
    Task<RmaView?> GetAsync();

    /// <summary>The return reduced to what policy decisions depend on, for policy dry runs; null when never created.</summary>
    Task<Policies.RmaSnapshot?> GetSnapshotAsync();

    /// <summary>The audit trail kept in grain state (oldest events may be archived to the event log only).</summary>
    Task<IReadOnlyList<RmaEvent>> GetEventsAsync();

    /// <summary>Recomputes the hash chain and reports the first broken seq.</summary>
    Task<ChainVerification> VerifyAsync();

    /// <summary>Catches up on stage deadlines (SLA warning, breach, escalation, expiry). Idempotent; the reminder calls it.</summary>
    Task<RmaView?> CheckDeadlinesAsync();
}

/// <summary>How many units of each order line are claimed by returns. Key: <c>{tenantId}/{orderId}</c>.</summary>
public interface IOrderLedgerGrain : IGrainWithStringKey
{
    /// <summary>Units claimed per order line id, across all live returns of the order.</summary>
    Task<IReadOnlyDictionary<string, int>> GetReturnedAsync();

    /// <summary>Claims units for one return (replacing an earlier claim of the same return). Refuses when a line would exceed its ordered quantity.</summary>
    Task<Rejection?> ReserveAsync(string rmaId, IReadOnlyList<LedgerClaim> claims);

    /// <summary>Releases the claim of a cancelled, declined or expired return. Idempotent.</summary>
    Task ReleaseAsync(string rmaId);
}

/// <summary>Units one return claims from one order line, with the ordered quantity as the cap.</summary>
[GenerateSerializer, Immutable, Alias("ra.LedgerClaim")]
public sealed record LedgerClaim([property: Id(0)] string OrderLineId, [property: Id(1)] int Quantity, [property: Id(2)] int OrderedQuantity);
