using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Lifecycle decisions: cancel, expire, close, reopen, and what only adds to the trail (notes, task activity).</summary>
internal static class Lifecycle
{
    public static Rejection? Decide(RmaTx tx, CancelRma c)
    {
        var s = tx.State;
        var moving = s.Lines.Any(l => l.Logistics is LineLogistics.InTransit or LineLogistics.Delivered);
        var allowed = c.By == CancelledBy.Customer
            ? !moving && s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
            : s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
                or RmaStatus.InTransit or RmaStatus.Delivered;
        if (!allowed)
        {
            return Rejection.Conflict("rma.illegal_transition",
                $"A {c.By.ToString().ToLowerInvariant()} cannot cancel a return that is {s.Status}{(moving ? " with goods on the way" : "")}.");
        }

        tx.Raise(new ReturnCancelled(c.By, c.Reason));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, ExpireRma c) => Expire(tx, "manual", ["manual.expire"]);

    internal static Rejection? Expire(RmaTx tx, string reason, IReadOnlyList<string> rules)
    {
        var s = tx.State;
        if (!CanExpire(s))
        {
            return Rejection.Conflict("rma.illegal_transition", $"Cannot expire a return that is {s.Status} or whose goods have shipped.");
        }

        var shipBy = s.Deadlines.LastOrDefault(d => d.Stage == RmaMachine.StageShip)?.DueAt;
        tx.Raise(new ReturnExpired(reason, shipBy), rules);
        return null;
    }

    public static Rejection? Decide(RmaTx tx, CloseRma c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "close", RmaStatus.Resolved, RmaStatus.Declined) is { } r)
        {
            return r;
        }

        tx.Raise(new ReturnClosed(s.Status));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, ReopenRma c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "reopen", RmaStatus.Closed) is { } r)
        {
            return r;
        }

        if (Guards.Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new ReturnReopened(c.Reason, s.StatusBeforeClose ?? RmaStatus.Resolved));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, AddRmaNote c)
    {
        if (string.IsNullOrWhiteSpace(c.Text) || c.Text.Length > 4000)
        {
            return Rejection.Invalid("note.invalid", "A note is 1 to 4000 characters.", new Dictionary<string, string[]> { ["text"] = ["Must be 1 to 4000 characters."] });
        }

        tx.Raise(new NoteAdded(c.Text));
        return null;
    }

    public static Rejection? Decide(RmaTx tx, RecordTaskActivity c)
    {
        if ((Guards.Required(c.TaskId, "taskId") ?? Guards.Required(c.Queue, "queue")) is { } invalid)
        {
            return invalid;
        }

        if (!Enum.IsDefined(c.Activity))
        {
            return Rejection.Invalid("task.activity", "Unknown task activity.");
        }

        tx.Raise(c.Activity switch
        {
            TaskActivity.Assigned => new TaskAssigned(c.TaskId, c.Queue, c.Detail),
            TaskActivity.Completed => new TaskCompleted(c.TaskId, c.Queue, c.Detail),
            _ => new TaskEscalated(c.TaskId, c.Queue, c.Detail),
        });
        return null;
    }

    internal static bool CanExpire(RmaState s) =>
        s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
        && s.Lines.All(l => l.Logistics is LineLogistics.Awaiting or LineLogistics.NotDroppedOff && l.QuantityReceived == 0);
}
