using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Hold decisions: a hold pauses settlement without losing the stage.</summary>
internal static class Holds
{
    public static Rejection? Decide(RmaTx tx, PlaceRmaHold c)
    {
        var s = tx.State;
        if (Guards.Terminal.Contains(s.Status) || s.Status == RmaStatus.Resolved)
        {
            return Rejection.Conflict("rma.illegal_transition", $"Cannot hold a return that is {s.Status}.");
        }

        if (s.OnHold)
        {
            return Rejection.Conflict("rma.on_hold", "The return is already on hold.");
        }

        if (Guards.Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new ReturnHoldPlaced(c.Reason));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, ReleaseRmaHold c)
    {
        var s = tx.State;
        if (!s.OnHold)
        {
            return Rejection.Conflict("rma.not_on_hold", "The return is not on hold.");
        }

        tx.Raise(new ReturnHoldReleased(s.HoldReason, c.Note));
        return null;
    }
}
