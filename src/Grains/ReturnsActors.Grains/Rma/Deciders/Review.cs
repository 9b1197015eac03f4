using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Review decisions: approve, decline, flag for review; and the authorize / send-to-review steps other stages reuse.</summary>
internal static class Review
{
    public static Rejection? Decide(RmaTx tx, ApproveRma c)
    {
        if (Guards.Illegal(tx.State, "approve", RmaStatus.Requested, RmaStatus.UnderReview) is { } r)
        {
            return r;
        }

        Authorize(tx, c.Note, ["manual.approve"]);
        return null;
    }

    public static Rejection? Decide(RmaTx tx, DeclineRma c)
    {
        if (Guards.Illegal(tx.State, "decline", RmaStatus.Requested, RmaStatus.UnderReview) is { } r)
        {
            return r;
        }

        if (Guards.Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        DeclineAll(tx, c.Reason);
        return null;
    }

    public static Rejection? Decide(RmaTx tx, FlagRmaForReview c)
    {
        if (Guards.Illegal(tx.State, "flag", RmaStatus.Requested, RmaStatus.Authorized) is { } r)
        {
            return r;
        }

        if (Guards.Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        FlagStep(tx, c.Reason, "manual.flag");
        return null;
    }

    internal static void Authorize(RmaTx tx, string? note, IReadOnlyList<string> rules)
    {
        tx.Raise(new ReturnAuthorized(note, tx.State.Lines.Select(l => new AuthorizedLine(l.LineId,
            l.Acceptance is LineAcceptance.Pending or LineAcceptance.ManualReview ? LineAcceptance.Accepted : l.Acceptance)).ToList()), rules);
    }

    internal static void SendToReview(RmaTx tx, string reason, string queue, string kind, IReadOnlyList<string> rules)
    {
        tx.Raise(new ReturnFlagged(reason, queue), rules);
        tx.CreateTask(queue, kind, reason, rules);
    }

    internal static void DeclineAll(RmaTx tx, string reason) => tx.Raise(new ReturnDeclined(reason));

    internal static void FlagStep(RmaTx tx, string reason, string rule)
    {
        SendToReview(tx, reason, tx.State.Policy.ReviewQueue, TaskQueues.KindReview, [rule]);
    }
}
