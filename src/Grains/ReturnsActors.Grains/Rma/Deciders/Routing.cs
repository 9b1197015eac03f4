using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Routing decisions: the warehouse chosen after authorization, and rebalancing to another.</summary>
internal static class Routing
{
    /// <summary>Records the routing decision made after authorization, once: <c>return.routed</c>, or <c>return.unroutable</c>.</summary>
    public static void Decide(RmaTx tx, RouteDecision decision)
    {
        if (tx.State.RoutingDecided || !RmaMachine.IsRoutable(tx.State))
        {
            return;
        }

        Raise(tx, decision, null);
    }

    /// <summary>Moves a routed, not yet received return to the warehouse <paramref name="decision"/> chose (rebalancing).</summary>
    public static Rejection? Decide(RmaTx tx, RerouteRma c, RouteDecision decision)
    {
        var s = tx.State;
        if (!RmaMachine.IsRoutable(s) || s.WarehouseId is null)
        {
            return Rejection.Conflict("rma.not_reroutable", $"Only a routed return with nothing received can be rerouted; this one is {s.Status}.");
        }

        if (decision.WarehouseId is null || decision.WarehouseId == s.WarehouseId)
        {
            return Rejection.Conflict("route.no_alternative", decision.Reason);
        }

        Raise(tx, decision with { RuleIds = [.. decision.RuleIds, "route.rebalance"] }, c.Reason);
        return null;
    }

    private static void Raise(RmaTx tx, RouteDecision decision, string? note)
    {
        var s = tx.State;
        var units = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).Sum(l => l.Quantity);
        if (decision.WarehouseId is null)
        {
            tx.Raise(new ReturnUnroutable(decision.Reason, units), decision.RuleIds);
            return;
        }

        tx.Raise(new ReturnRouted(decision.WarehouseId, s.WarehouseId, units, decision.Reason, note), decision.RuleIds);
    }
}
