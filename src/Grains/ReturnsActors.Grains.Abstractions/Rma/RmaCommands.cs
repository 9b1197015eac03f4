namespace ReturnsActors.Grains.Rma;

/// <summary>Every command to a return carries an id (a repeated id is a no-op that returns the
/// first answer) and the actor who issued it (e.g. <c>customer:c-17</c>, <c>agent:ann</c>, <c>carrier:ups</c>).</summary>
public interface IRmaCommand
{
    string CommandId { get; }
    string Actor { get; }
}

/// <summary>One order line the customer wants to return.</summary>
[GenerateSerializer, Immutable, Alias("ra.RequestedLine")]
public sealed record RequestedLine(
    [property: Id(0)] string OrderLineId,
    [property: Id(1)] int Quantity,
    [property: Id(2)] string ReasonCode,
    [property: Id(3)] ReasonClass ReasonClass,
    [property: Id(4)] IReadOnlyList<string>? SerialNumbers = null);

/// <summary>Requests a return against an order; eligibility is checked against the policy in force.</summary>
[GenerateSerializer, Immutable, Alias("ra.CreateRma")]
public sealed record CreateRma(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string OrderId,
    [property: Id(3)] IReadOnlyList<RequestedLine> Lines,
    [property: Id(4)] string? CustomerNote = null,
    [property: Id(5)] bool FraudSignal = false) : IRmaCommand;

/// <summary>Authorizes a requested or reviewed return.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApproveRma")]
public sealed record ApproveRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string? Note = null) : IRmaCommand;

/// <summary>Declines a requested or reviewed return.</summary>
[GenerateSerializer, Immutable, Alias("ra.DeclineRma")]
public sealed record DeclineRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Reason) : IRmaCommand;

/// <summary>Sends the return to the manual review queue.</summary>
[GenerateSerializer, Immutable, Alias("ra.FlagRmaForReview")]
public sealed record FlagRmaForReview([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Reason) : IRmaCommand;

/// <summary>Cancels the return. Customers may cancel until the parcel moves; merchants until it is received.</summary>
[GenerateSerializer, Immutable, Alias("ra.CancelRma")]
public sealed record CancelRma(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] CancelledBy By,
    [property: Id(3)] string? Reason = null) : IRmaCommand;

/// <summary>Records the return label the customer ships with.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordLabel")]
public sealed record RecordLabel(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Carrier,
    [property: Id(3)] string TrackingNumber,
    [property: Id(4)] string? LabelUrl = null) : IRmaCommand;

/// <summary>A carrier tracking event. Applied by meaning: a late in-transit after delivery changes nothing.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordCarrierEvent")]
public sealed record RecordCarrierEvent(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] CarrierEventKind Kind,
    [property: Id(3)] DateTimeOffset? OccurredAt = null) : IRmaCommand;

/// <summary>What the warehouse found in the parcel for one line.</summary>
[GenerateSerializer, Immutable, Alias("ra.ReceivedLine")]
public sealed record ReceivedLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] int Quantity,
    [property: Id(2)] IReadOnlyList<string>? SerialNumbers = null,
    [property: Id(3)] bool WrongItem = false);

/// <summary>Records a receipt. <paramref name="Final"/> says nothing more is expected, so missing units are short-shipped.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordReceipt")]
public sealed record RecordReceipt(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] IReadOnlyList<ReceivedLine> Lines,
    [property: Id(3)] bool Final = false,
    [property: Id(4)] string? Warehouse = null) : IRmaCommand;

/// <summary>Inspection result for one line.</summary>
[GenerateSerializer, Immutable, Alias("ra.InspectedLine")]
public sealed record InspectedLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] ItemGrade Grade,
    [property: Id(2)] string? ConditionNotes = null,
    [property: Id(3)] IReadOnlyList<string>? EvidenceRefs = null);

/// <summary>Records inspection of received lines.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordInspection")]
public sealed record RecordInspection([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] IReadOnlyList<InspectedLine> Lines) : IRmaCommand;

/// <summary>An explicit disposition for one line.</summary>
[GenerateSerializer, Immutable, Alias("ra.LineDisposition")]
public sealed record LineDisposition([property: Id(0)] string LineId, [property: Id(1)] Disposition Disposition);

/// <summary>Dispositions inspected lines; lines not listed get the policy's disposition for their grade and category.</summary>
[GenerateSerializer, Immutable, Alias("ra.DispositionRma")]
public sealed record DispositionRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] IReadOnlyList<LineDisposition>? Lines = null) : IRmaCommand;

/// <summary>Requests settlement (refund, credit, replacement); restocking fee and deductions come from policy.</summary>
[GenerateSerializer, Immutable, Alias("ra.SettleRma")]
public sealed record SettleRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] SettlementKind Kind) : IRmaCommand;

/// <summary>The ERP confirms the settlement was issued; the return is resolved.</summary>
[GenerateSerializer, Immutable, Alias("ra.ConfirmSettlement")]
public sealed record ConfirmSettlement([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Reference) : IRmaCommand;

/// <summary>Keep-it / returnless resolution: the customer keeps the goods and is settled without shipping.</summary>
[GenerateSerializer, Immutable, Alias("ra.ResolveWithoutReturn")]
public sealed record ResolveWithoutReturn(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] SettlementKind Kind,
    [property: Id(3)] string Reason) : IRmaCommand;

/// <summary>Expires a return whose goods never left the customer.</summary>
[GenerateSerializer, Immutable, Alias("ra.ExpireRma")]
public sealed record ExpireRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor) : IRmaCommand;

/// <summary>Closes a resolved or declined return.</summary>
[GenerateSerializer, Immutable, Alias("ra.CloseRma")]
public sealed record CloseRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor) : IRmaCommand;

/// <summary>Reopens a closed return to the state it was closed from.</summary>
[GenerateSerializer, Immutable, Alias("ra.ReopenRma")]
public sealed record ReopenRma([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Reason) : IRmaCommand;

/// <summary>Adds a note to the audit trail.</summary>
[GenerateSerializer, Immutable, Alias("ra.AddRmaNote")]
public sealed record AddRmaNote([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Text) : IRmaCommand;

/// <summary>Places the return on hold (fraud check, pending approval): settlement pauses, the stage is kept.</summary>
[GenerateSerializer, Immutable, Alias("ra.PlaceRmaHold")]
public sealed record PlaceRmaHold([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string Reason) : IRmaCommand;

/// <summary>Releases a hold.</summary>
[GenerateSerializer, Immutable, Alias("ra.ReleaseRmaHold")]
public sealed record ReleaseRmaHold([property: Id(0)] string CommandId, [property: Id(1)] string Actor, [property: Id(2)] string? Note = null) : IRmaCommand;

/// <summary>Records what happened to one of the return's human tasks (assigned, completed, escalated), so the audit trail shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordTaskActivity")]
public sealed record RecordTaskActivity(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string TaskId,
    [property: Id(3)] string Queue,
    [property: Id(4)] TaskActivity Activity,
    [property: Id(5)] string? Detail = null) : IRmaCommand;

/// <summary>Routes the return again, to another warehouse than <paramref name="ExcludeWarehouseId"/> (rebalancing). Only before anything was received.</summary>
[GenerateSerializer, Immutable, Alias("ra.RerouteRma")]
public sealed record RerouteRma(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string? ExcludeWarehouseId,
    [property: Id(3)] string Reason) : IRmaCommand;

/// <summary>Records an advisory recommendation on the audit trail (<c>recommendation.issued</c>): the action (one of
/// <see cref="AdvisoryActions.All"/>), the model's confidence (0-1), the model version, up to ten short reasons, and the mode.
/// <see cref="RecommendationMode.Advisory"/> changes nothing but the trail. <see cref="RecommendationMode.AutoApplied"/> says
/// governance (the policy in force for the return's tenant and business unit) allows applying it: when the action maps to a step
/// that is legal now (approve, decline, manual_review), the step is applied in the same state write and outbox as the
/// recommendation (mode <c>auto_applied</c>, the step right after it); otherwise it is recorded as advice and says why.
/// <c>Why</c> is the governance decision in words; <c>TriggerSeq</c> the event of this return the recommendation answers
/// (a new return, an exception), if any.</summary>
[GenerateSerializer, Immutable, Alias("ra.RecordRecommendation")]
public sealed record RecordRecommendation(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] double Confidence,
    [property: Id(4)] string ModelVersion,
    [property: Id(5)] IReadOnlyList<string> Reasons,
    [property: Id(6)] RecommendationMode Mode = RecommendationMode.Advisory,
    [property: Id(7)] string? Why = null,
    [property: Id(8)] long? TriggerSeq = null) : IRmaCommand;

/// <summary>A person chose another action than the last recorded recommendation (<c>recommendation.overridden</c>, with the
/// recommendation's model version). <paramref name="RecommendedAction"/> must be the last recommendation's action.</summary>
[GenerateSerializer, Immutable, Alias("ra.OverrideRecommendation")]
public sealed record OverrideRecommendation(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string RecommendedAction,
    [property: Id(3)] string ChosenAction,
    [property: Id(4)] string? Note = null) : IRmaCommand;
