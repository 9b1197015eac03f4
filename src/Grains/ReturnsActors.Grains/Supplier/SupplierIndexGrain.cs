namespace ReturnsActors.Grains.Suppliers;

[GenerateSerializer, Alias("ra.SupplierIndexState")]
public sealed class SupplierIndexState
{
    [Id(0)] public List<string> SupplierIds { get; set; } = [];
}

/// <summary>The tenant's supplier ids, for listing. Written once per supplier, so it never gets hot.</summary>
public sealed class SupplierIndexGrain(
    [PersistentState("suppliers", StorageNames.Returns)] IPersistentState<SupplierIndexState> state) : Grain, ISupplierIndexGrain
{
    public async Task AddAsync(string supplierId)
    {
        if (state.State.SupplierIds.Contains(supplierId))
        {
            return;
        }

        state.State.SupplierIds.Add(supplierId);
        state.State.SupplierIds.Sort(StringComparer.Ordinal);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.SupplierIds.ToList());
}
