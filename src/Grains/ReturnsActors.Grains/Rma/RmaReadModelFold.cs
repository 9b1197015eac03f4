using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma;

/// <summary>The read-model row of one return, folded from its events alone (no grain call): status, hold, warehouse, reason
/// classes, SLA state and next due time, settlement total, customer. Deadlines are followed as the state machine keeps them,
/// with the SLA hours <see cref="ReturnRequested"/> carries; a log whose <c>return.requested</c> predates that field cannot be
/// folded (<see cref="Fold"/> answers null) and is projected from the return's view instead.</summary>
public static class RmaReadModelFold
{
    /// <summary>The row, or null when the events do not start with a <c>return.requested</c> that carries its SLA hours.</summary>
    public static RmaSummary? Fold(string rmaId, IReadOnlyList<RmaEvent> events)
    {
        if (events.Count == 0 || RmaEventCatalog.Deserialize(events[0]) is not ReturnRequested { Sla: { } sla } requested)
        {
            return null;
        }

        var f = new Folding(sla);
        for (var i = 0; i < events.Count; i++)
        {
            f.Apply(events[i], RmaEventCatalog.Deserialize(events[i]));
            // Dispositions are decided per command: the status follows once every line of the command is known.
            if (f.DispositionPending && (i == events.Count - 1 || events[i + 1].CommandId != events[i].CommandId))
            {
                f.SettleDispositions(events[i].OccurredAt);
            }
        }

        var (slaState, nextDue) = RmaSummaries.Sla(f.Deadlines.Select(DeadlineBook.ToView));
        var last = events[^1];
        return new RmaSummary(rmaId, requested.OrderId, requested.Channel, f.Status, f.OnHold, f.Warehouse,
            requested.Lines.Select(l => l.ReasonClass).Distinct().Order().ToList(), slaState, nextDue, f.SettlementTotal,
            events[0].OccurredAt, last.OccurredAt, last.Seq, requested.CustomerId);
    }

    private sealed class Folding(SlaHours sla)
    {
        private readonly Dictionary<string, Disposition> _dispositions = new(StringComparer.Ordinal);

        public RmaStatus Status { get; private set; } = RmaStatus.Requested;
        public bool OnHold { get; private set; }
        public string? Warehouse { get; private set; }
        public Money? SettlementTotal { get; private set; }
        public List<DeadlineState> Deadlines { get; } = [];
        public bool DispositionPending { get; private set; }

        public void Apply(RmaEvent e, IRmaEventData data)
        {
            var now = e.OccurredAt;
            switch (data)
            {
                case ReturnRequested:
                    Status = RmaStatus.Requested;
                    break;
                case ReturnFlagged:
                    Complete(now, RmaMachine.StageShip);
                    Status = RmaStatus.UnderReview;
                    Start(now, RmaMachine.StageAuthorize, sla.AuthorizeHours);
                    break;
                case ReturnAuthorized:
                    Status = RmaStatus.Authorized;
                    Complete(now, RmaMachine.StageAuthorize);
                    Start(now, RmaMachine.StageShip, sla.ShipHours);
                    break;
                case ReturnDeclined:
                    Finish(now, RmaStatus.Declined);
                    break;
                case ReturnCancelled:
                    Finish(now, RmaStatus.Cancelled);
                    break;
                case ReturnExpired:
                    Finish(now, RmaStatus.Expired);
                    break;
                case ReturnClosed:
                    Finish(now, RmaStatus.Closed);
                    break;
                case ReturnReopened reopened:
                    Status = reopened.Status;
                    break;
                case ReturnHoldPlaced:
                    OnHold = true;
                    break;
                case ReturnHoldReleased:
                    OnHold = false;
                    break;
                case LabelCreated:
                    Status = RmaStatus.AwaitingShipment;
                    break;
                case ShipmentInTransit or ShipmentDelivered when data is IShipmentEvent { Stale: false } shipment:
                    Status = shipment.Status;
                    Complete(now, RmaMachine.StageShip);
                    Start(now, RmaMachine.StageReceive, sla.ReceiveHours);
                    break;
                case IShipmentEvent shipment:
                    Status = shipment.Status;
                    break;
                case ReceiptRecorded receipt:
                    Status = receipt.Status;
                    Complete(now, RmaMachine.StageShip);
                    if (receipt.Status == RmaStatus.Received)
                    {
                        Complete(now, RmaMachine.StageReceive);
                        Start(now, RmaMachine.StageInspect, sla.InspectHours);
                    }
                    else
                    {
                        Start(now, RmaMachine.StageReceive, sla.ReceiveHours);
                    }

                    Warehouse = receipt.Warehouse ?? Warehouse;
                    break;
                case ReturnRouted routed:
                    Warehouse = routed.Warehouse;
                    break;
                case ItemInspected when Status == RmaStatus.Received:
                    Status = RmaStatus.Inspecting;
                    break;
                case ItemDispositioned dispositioned:
                    _dispositions[dispositioned.LineId] = dispositioned.Disposition;
                    DispositionPending = true;
                    break;
                case SettlementRequested settlement:
                    Status = RmaStatus.PendingSettlement;
                    SettlementTotal = settlement.Total;
                    break;
                case ISettlementIssued issued:
                    Finish(now, RmaStatus.Resolved);
                    SettlementTotal = issued.Total ?? SettlementTotal;
                    break;
                case ReturnResolvedWithoutReturn keep:
                    Status = RmaStatus.PendingSettlement;
                    Complete(now, RmaMachine.StageShip);
                    Start(now, RmaMachine.StageRefund, sla.RefundHours);
                    SettlementTotal = keep.Total;
                    break;
                case SlaWarning warning:
                    foreach (var d in Open(warning.Stage).Where(d => d.WarnedAt is null))
                    {
                        d.WarnedAt = now;
                    }

                    break;
                case SlaBreached breached:
                    foreach (var d in Open(breached.Stage).Where(d => d.BreachedAt is null))
                    {
                        d.BreachedAt = now;
                    }

                    break;
            }
        }

        /// <summary>After a disposition command: the return waits in inspection while a line awaits quality review.</summary>
        public void SettleDispositions(DateTimeOffset now)
        {
            DispositionPending = false;
            if (_dispositions.Values.Any(d => d == Disposition.QualityReview))
            {
                Status = RmaStatus.Inspecting;
                return;
            }

            Status = RmaStatus.Dispositioned;
            Complete(now, RmaMachine.StageInspect);
            Start(now, RmaMachine.StageRefund, sla.RefundHours);
        }

        private IEnumerable<DeadlineState> Open(string stage) => Deadlines.Where(d => d.Stage == stage && d.CompletedAt is null);

        private void Finish(DateTimeOffset now, RmaStatus status)
        {
            Status = status;
            DeadlineBook.Complete(Deadlines, null, now);
        }

        private void Start(DateTimeOffset now, string stage, int hours) => DeadlineBook.Start(Deadlines, stage, now, hours, sla.WarningPercent);

        private void Complete(DateTimeOffset now, string stage) => DeadlineBook.Complete(Deadlines, stage, now);
    }
}
