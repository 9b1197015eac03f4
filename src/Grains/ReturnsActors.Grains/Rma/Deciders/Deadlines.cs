using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Deadline decisions: SLA warnings and breaches, their escalation, and expiry when the ship-by date passes.</summary>
internal static class Deadlines
{
    /// <summary>Catches up at <see cref="RmaTx.Now"/>; each deadline warns and breaches at most once, whatever the number of calls.</summary>
    public static void Decide(RmaTx tx)
    {
        var s = tx.State;
        var now = tx.Now;
        foreach (var d in s.Deadlines.Where(d => d.CompletedAt is null).ToList())
        {
            if (d.WarnedAt is null && now >= d.WarnAt)
            {
                tx.Raise(new SlaWarning(d.Stage, d.DueAt, d.WarnAt), [$"sla.{d.Stage}.warning"]);
            }

            if (d.BreachedAt is null && now >= d.DueAt && d.CompletedAt is null)
            {
                tx.Raise(new SlaBreached(d.Stage, d.DueAt), [$"sla.{d.Stage}"]);
                if (d.Stage == RmaMachine.StageShip && s.Policy.ExpireWhenShipByPasses && Lifecycle.CanExpire(s))
                {
                    Lifecycle.Expire(tx, "ship_by_passed", ["sla.ship.expire"]);
                }
                else
                {
                    tx.CreateTask(s.Policy.EscalationQueue, TaskQueues.KindSlaBreach, $"SLA for stage '{d.Stage}' breached (due {d.DueAt:O}).", [$"sla.{d.Stage}"]);
                }
            }
        }
    }

    /// <summary>When the return should wake next for a deadline, or null when none is pending.</summary>
    public static DateTimeOffset? NextWake(RmaState s) =>
        s.Deadlines.Where(d => d.CompletedAt is null)
            .Select(d => d.WarnedAt is null ? d.WarnAt : d.BreachedAt is null ? d.DueAt : (DateTimeOffset?)null)
            .Where(t => t is not null)
            .Min();
}
