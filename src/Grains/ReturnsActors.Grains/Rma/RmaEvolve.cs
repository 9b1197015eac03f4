using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma;

/// <summary>How a return's state follows from its events: the one place that changes <see cref="RmaState"/>'s domain fields,
/// one case per event type. Deciders raise events and never assign state; folding a return's events from an empty state gives
/// the state the deciders left. Events logged before <c>return.requested</c> carried <c>orderDeliveredAt</c> and <c>policy</c>
/// (and <c>item.dispositioned</c> its <c>status</c>) cannot be rebuilt exactly: the delivery date is unknown, the policy falls
/// back to the built-in default's terms under the logged version and SLA hours, and the status after a disposition is derived
/// from the lines; such returns are to be loaded from a snapshot.</summary>
public static class RmaEvolve
{
    /// <summary>The state of the return <paramref name="tenantId"/>/<paramref name="rmaId"/> after <paramref name="events"/>: its whole
    /// log, oldest first, from seq 1 (a tail belongs on top of the snapshot it follows, through <see cref="Append"/>).</summary>
    public static RmaState Fold(string tenantId, string rmaId, IEnumerable<RmaEvent> events)
    {
        var s = new RmaState();
        Identify(s, tenantId, rmaId);
        foreach (var e in events)
        {
            Append(s, e);
        }

        return s;
    }

    /// <summary>Names the return; the identity is the stream's key, not an event field.</summary>
    public static void Identify(RmaState s, string tenantId, string rmaId)
    {
        s.TenantId = tenantId;
        s.RmaId = rmaId;
    }

    /// <summary>Adds <paramref name="e"/> to the return's chain (seq, hash, trail) and applies it.</summary>
    public static void Append(RmaState s, RmaEvent e, IRmaEventData? data = null)
    {
        s.LastSeq = e.Seq;
        s.LastHash = e.Hash;
        s.Events.Add(e);
        Apply(s, e, data ?? RmaEventCatalog.Deserialize(e));
    }

    /// <summary>Applies one event to the state.</summary>
    public static void Apply(RmaState s, RmaEvent e) => Apply(s, e, RmaEventCatalog.Deserialize(e));

    /// <summary>Applies one event whose payload is already read.</summary>
    public static void Apply(RmaState s, RmaEvent e, IRmaEventData data)
    {
        var now = e.OccurredAt;
        switch (data)
        {
            case ReturnRequested r:
                s.Created = true;
                s.OrderId = r.OrderId;
                s.Channel = r.Channel;
                s.Region = r.Region;
                s.CustomerId = r.CustomerId;
                // Logged before these fields: the delivery date is lost, and the policy's terms are the default's under its version.
                s.OrderDeliveredAt = r.OrderDeliveredAt ?? default;
                s.Policy = r.Policy?.ToDocument(r.Sla ?? new SlaHours())
                    ?? DefaultPolicy.Document with { Version = e.PolicyVersion, Sla = r.Sla ?? DefaultPolicy.Document.Sla };
                s.Lines = r.Lines.Select(l => new RmaLineState
                {
                    LineId = l.LineId,
                    OrderLineId = l.OrderLineId,
                    Sku = l.Sku,
                    Category = l.Category,
                    Quantity = l.Quantity,
                    SerialNumbers = l.SerialNumbers.ToList(),
                    UnitPrice = l.UnitPrice,
                    ReasonCode = l.ReasonCode,
                    ReasonClass = l.ReasonClass,
                    SupplierId = l.SupplierId,
                }).ToList();
                s.Status = RmaStatus.Requested;
                s.CreatedAt = now;
                s.FraudSignal = r.FraudSignal;
                break;
            case ReturnHoldPlaced h:
                s.OnHold = true;
                s.HoldReason = h.Reason;
                break;
            case ReturnHoldReleased:
                s.OnHold = false;
                s.HoldReason = null;
                break;
            case ReturnAuthorized a:
                foreach (var l in a.Lines)
                {
                    Line(s, l.LineId).Acceptance = l.Acceptance;
                }

                s.Status = RmaStatus.Authorized;
                Complete(s, RmaMachine.StageAuthorize, now);
                Start(s, RmaMachine.StageShip, now, s.Policy.Sla.ShipHours);
                break;
            case ReturnFlagged:
                Complete(s, RmaMachine.StageShip, now);
                foreach (var l in s.Lines.Where(l => l.Acceptance is LineAcceptance.Pending or LineAcceptance.Accepted))
                {
                    l.Acceptance = LineAcceptance.ManualReview;
                }

                s.Status = RmaStatus.UnderReview;
                Start(s, RmaMachine.StageAuthorize, now, s.Policy.Sla.AuthorizeHours);
                break;
            case ReturnDeclined:
                foreach (var l in s.Lines)
                {
                    l.Acceptance = LineAcceptance.Rejected;
                }

                Finish(s, RmaStatus.Declined, now);
                break;
            case ReturnCancelled:
                Finish(s, RmaStatus.Cancelled, now);
                break;
            case ReturnExpired:
                Finish(s, RmaStatus.Expired, now);
                break;
            case ReturnClosed c:
                s.StatusBeforeClose = c.From ?? s.Status;
                Finish(s, RmaStatus.Closed, now);
                break;
            case ReturnReopened r:
                s.Status = r.Status;
                s.StatusBeforeClose = null;
                break;
            case LabelCreated l:
                s.Carrier = l.Carrier;
                s.TrackingNumber = l.TrackingNumber;
                s.LabelUrl = l.LabelUrl;
                s.Status = RmaStatus.AwaitingShipment;
                break;
            case IShipmentEvent shipment:
                ApplyShipment(s, shipment, now);
                break;
            case ReceiptRecorded r:
                ApplyReceipt(s, r, now);
                break;
            case ItemInspected i:
                if (s.Status == RmaStatus.Received)
                {
                    s.Status = RmaStatus.Inspecting;
                }

                var inspected = Line(s, i.LineId);
                inspected.Grade = i.Grade;
                inspected.ConditionNotes = i.ConditionNotes;
                inspected.EvidenceRefs = i.EvidenceRefs.ToList();
                break;
            case ItemDispositioned d:
                ApplyDisposition(s, d, now);
                break;
            case SettlementRequested r:
                foreach (var l in r.Lines)
                {
                    var line = Line(s, l.LineId);
                    line.Settlement = r.Kind;
                    line.RestockingFee = l.RestockingFee;
                    line.Deduction = l.Deduction;
                    line.SettledAmount = l.Amount;
                }

                s.SettlementKind = r.Kind;
                s.Status = RmaStatus.PendingSettlement;
                break;
            case ISettlementIssued issued:
                s.SettlementReference = issued.Reference;
                Finish(s, RmaStatus.Resolved, now);
                break;
            case ReturnResolvedWithoutReturn k:
                foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted))
                {
                    line.Receipt = LineReceipt.KeptByCustomer;
                    line.Settlement = k.Kind;
                    line.RestockingFee = Money.Zero(line.UnitPrice.Currency);
                    line.Deduction = Money.Zero(line.UnitPrice.Currency);
                    line.SettledAmount = RmaMachine.IsReplacement(k.Kind) ? Money.Zero(line.UnitPrice.Currency) : line.UnitPrice.Times(line.Quantity);
                }

                s.SettlementKind = k.Kind;
                s.Status = RmaStatus.PendingSettlement;
                Complete(s, RmaMachine.StageShip, now);
                Start(s, RmaMachine.StageRefund, now, s.Policy.Sla.RefundHours);
                break;
            case ReturnRouted r:
                s.WarehouseId = r.Warehouse;
                s.RoutingDecided = true;
                break;
            case ReturnUnroutable:
                s.RoutingDecided = true;
                break;
            case SlaWarning w:
                if (s.Deadlines.LastOrDefault(d => d.Stage == w.Stage && d.DueAt == w.DueAt && d.WarnedAt is null) is { } warned)
                {
                    warned.WarnedAt = now;
                }

                break;
            case SlaBreached b:
                if (s.Deadlines.LastOrDefault(d => d.Stage == b.Stage && d.DueAt == b.DueAt && d.BreachedAt is null) is { } breached)
                {
                    breached.BreachedAt = now;
                }

                break;
            case RecommendationIssued r:
                s.LastRecommendedAction = r.Action;
                s.LastRecommendationModelVersion = r.ModelVersion;
                break;
            case NoteAdded or TaskCreated or ITaskActivityEvent or RecommendationOverridden:
                break;
            default:
                throw new InvalidOperationException($"Event {e.Seq} ({e.Type}) of return {s.RmaId} cannot be applied: its type or payload is not known.");
        }

        s.UpdatedAt = now;
    }

    private static void ApplyShipment(RmaState s, IShipmentEvent shipment, DateTimeOffset now)
    {
        var shippable = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && l.Receipt == LineReceipt.Pending && l.QuantityReceived == 0);
        switch (shipment)
        {
            case ShipmentInTransit:
                foreach (var l in shippable.Where(l => l.Logistics is LineLogistics.Awaiting or LineLogistics.NotDroppedOff or LineLogistics.Lost))
                {
                    l.Logistics = LineLogistics.InTransit;
                }

                break;
            case ShipmentDelivered:
                foreach (var l in shippable)
                {
                    l.Logistics = LineLogistics.Delivered;
                }

                break;
            case ShipmentLost when !shipment.Stale:
                foreach (var l in shippable.Where(l => l.Logistics != LineLogistics.Delivered))
                {
                    l.Logistics = LineLogistics.Lost;
                }

                break;
            case ShipmentNotDroppedOff when !shipment.Stale:
                foreach (var l in shippable.Where(l => l.Logistics == LineLogistics.Awaiting))
                {
                    l.Logistics = LineLogistics.NotDroppedOff;
                }

                break;
        }

        if (shipment is ShipmentInTransit or ShipmentDelivered && !shipment.Stale)
        {
            Complete(s, RmaMachine.StageShip, now);
            Start(s, RmaMachine.StageReceive, now, s.Policy.Sla.ReceiveHours);
        }

        s.Status = shipment.Status;
    }

    private static void ApplyReceipt(RmaState s, ReceiptRecorded r, DateTimeOffset now)
    {
        foreach (var item in r.Lines)
        {
            var line = Line(s, item.LineId);
            // A line that arrived names whether it was the wrong item; a line closed by a final receipt does not.
            if (item.WrongItem is not null)
            {
                line.QuantityReceived = item.QuantityReceived;
                line.ReceivedSerials.AddRange(item.SerialNumbers ?? []);
                line.Logistics = LineLogistics.Delivered;
                line.SerialMismatch = item.SerialMismatch ?? line.SerialMismatch;
            }

            line.Receipt = item.Receipt;
        }

        s.Status = r.Status;
        Complete(s, RmaMachine.StageShip, now);
        if (r.Status == RmaStatus.Received)
        {
            Complete(s, RmaMachine.StageReceive, now);
            Start(s, RmaMachine.StageInspect, now, s.Policy.Sla.InspectHours);
        }
        else
        {
            Start(s, RmaMachine.StageReceive, now, s.Policy.Sla.ReceiveHours);
        }

        if (r.PreviousWarehouse is not null && !string.IsNullOrWhiteSpace(r.Warehouse))
        {
            s.WarehouseId = r.Warehouse.Trim();
        }
    }

    private static void ApplyDisposition(RmaState s, ItemDispositioned d, DateTimeOffset now)
    {
        Line(s, d.LineId).Disposition = d.Disposition;
        var inspectable = s.Lines.Where(l => l.IsInspectable).ToList();
        // Events logged before the status field: the decision is complete once every inspectable line has a disposition.
        var status = d.Status
            ?? (inspectable.Any(l => l.Disposition is null) ? s.Status
                : inspectable.Any(l => l.Disposition == Disposition.QualityReview) ? RmaStatus.Inspecting
                : RmaStatus.Dispositioned);
        if (status == RmaStatus.Dispositioned && s.Status != RmaStatus.Dispositioned)
        {
            Complete(s, RmaMachine.StageInspect, now);
            Start(s, RmaMachine.StageRefund, now, s.Policy.Sla.RefundHours);
        }

        s.Status = status;
    }

    private static RmaLineState Line(RmaState s, string lineId) =>
        s.Lines.FirstOrDefault(l => l.LineId == lineId)
        ?? throw new InvalidOperationException($"Return {s.RmaId} has no line {lineId}.");

    private static void Finish(RmaState s, RmaStatus status, DateTimeOffset now)
    {
        s.Status = status;
        DeadlineBook.Complete(s.Deadlines, null, now);
    }

    private static void Start(RmaState s, string stage, DateTimeOffset now, int hours) =>
        DeadlineBook.Start(s.Deadlines, stage, now, hours, s.Policy.Sla.WarningPercent);

    private static void Complete(RmaState s, string stage, DateTimeOffset now) => DeadlineBook.Complete(s.Deadlines, stage, now);
}
