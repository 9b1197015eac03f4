namespace ReturnsActors.Grains.Warehouses;

[GenerateSerializer, Alias("ra.WarehouseDirectoryState")]
public sealed class WarehouseDirectoryState
{
    [Id(0)] public Dictionary<string, WarehouseSummary> Warehouses { get; set; } = [];
}

/// <summary>The tenant's warehouses as routing sees them. Routing reads it once per authorized return (not per event);
/// each warehouse refreshes its own entry when its open work changes, at most once per report batch.</summary>
public sealed class WarehouseDirectoryGrain(
    [PersistentState("warehouses", StorageNames.Returns)] IPersistentState<WarehouseDirectoryState> state) : Grain, IWarehouseDirectoryGrain
{
    public async Task UpsertAsync(WarehouseSummary summary)
    {
        if (state.State.Warehouses.TryGetValue(summary.WarehouseId, out var existing) && Same(existing, summary))
        {
            return;
        }

        state.State.Warehouses[summary.WarehouseId] = summary;
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<WarehouseSummary>> ListAsync() =>
        Task.FromResult<IReadOnlyList<WarehouseSummary>>(state.State.Warehouses.Values.OrderBy(w => w.WarehouseId, StringComparer.Ordinal).ToList());

    private static bool Same(WarehouseSummary a, WarehouseSummary b) =>
        a.OpenUnits == b.OpenUnits && a.DailyCapacityUnits == b.DailyCapacityUnits && a.CostPerUnit == b.CostPerUnit
        && a.Grading == b.Grading && a.Refurbishment == b.Refurbishment
        && a.Regions.SequenceEqual(b.Regions) && a.Categories.SequenceEqual(b.Categories);
}
