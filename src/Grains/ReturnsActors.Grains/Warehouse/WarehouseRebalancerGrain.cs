using Orleans.Concurrency;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>Rebalances one warehouse: asks it which expected returns to move, then has each return reroute itself
/// (the return records <c>return.routed</c> with <c>route.rebalance</c> and reports to both warehouses).</summary>
[StatelessWorker]
public sealed class WarehouseRebalancerGrain : Grain, IWarehouseRebalancerGrain
{
    public async Task<RebalanceResult> RebalanceAsync(string actor, int maxReturns)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/');
        var (tenantId, warehouseId) = (key[..Math.Max(0, slash)], key[(slash + 1)..]);
        var plan = await GrainFactory.GetGrain<IWarehouseGrain>(key).PlanRebalanceAsync(maxReturns);
        var moves = new List<RebalanceMove>();
        foreach (var rmaId in plan)
        {
            var result = await GrainFactory.GetGrain<IRmaGrain>($"{tenantId}/{rmaId}").RerouteAsync(
                new RerouteRma($"rebalance:{warehouseId}:{rmaId}:{Guid.NewGuid():N}", actor, warehouseId, $"Rebalanced off {warehouseId}."));
            moves.Add(new RebalanceMove(rmaId, result.Rma?.WarehouseId, result.Rejection?.Detail));
        }

        return new RebalanceResult(warehouseId, moves);
    }
}
