using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Shipping decisions: the label and carrier events, applied by meaning (a late event is stale, not refused).</summary>
internal static class Shipping
{
    public static Rejection? Decide(RmaTx tx, RecordLabel c)
    {
        if (Guards.Illegal(tx.State, "create a label for", RmaStatus.Authorized, RmaStatus.AwaitingShipment) is { } r)
        {
            return r;
        }

        if ((Guards.Required(c.Carrier, "carrier") ?? Guards.Required(c.TrackingNumber, "trackingNumber")) is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new LabelCreated(c.Carrier.Trim(), c.TrackingNumber.Trim(), c.LabelUrl));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, RecordCarrierEvent c)
    {
        var s = tx.State;
        if (s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Declined or RmaStatus.Cancelled or RmaStatus.Expired or RmaStatus.Closed)
        {
            return Rejection.Conflict("rma.illegal_transition", $"Carrier events do not apply to a return that is {s.Status}.");
        }

        if (!Enum.IsDefined(c.Kind))
        {
            return Rejection.Invalid("carrier.kind", "Unknown carrier event.");
        }

        // Applied by meaning: an event older than what the return already knows is stale and moves no status or deadline.
        var beforeShipping = s.Status is RmaStatus.Authorized or RmaStatus.AwaitingShipment;
        var (stale, status) = c.Kind switch
        {
            CarrierEventKind.InTransit => beforeShipping ? (false, RmaStatus.InTransit) : (true, s.Status),
            CarrierEventKind.Delivered => beforeShipping || s.Status == RmaStatus.InTransit ? (false, RmaStatus.Delivered) : (true, s.Status),
            CarrierEventKind.Lost => (!(beforeShipping || s.Status == RmaStatus.InTransit), s.Status),
            _ => (!beforeShipping, s.Status),
        };

        tx.Raise(c.Kind switch
        {
            CarrierEventKind.InTransit => new ShipmentInTransit(c.OccurredAt, stale, status),
            CarrierEventKind.Delivered => new ShipmentDelivered(c.OccurredAt, stale, status),
            CarrierEventKind.Lost => new ShipmentLost(c.OccurredAt, stale, status),
            _ => new ShipmentNotDroppedOff(c.OccurredAt, stale, status),
        });
        if (c.Kind == CarrierEventKind.Lost && !stale)
        {
            tx.CreateTask(s.Policy.EscalationQueue, TaskQueues.KindCarrierLost, "The carrier reported the parcel lost.", ["carrier.lost"]);
        }

        return null;
    }
}
