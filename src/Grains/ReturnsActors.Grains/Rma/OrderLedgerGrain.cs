namespace ReturnsActors.Grains.Rma;

[GenerateSerializer, Alias("ra.OrderLedgerState")]
public sealed class OrderLedgerState
{
    /// <summary>Units claimed, by RMA id, then by order line id.</summary>
    [Id(0)] public Dictionary<string, Dictionary<string, int>> Claims { get; set; } = [];
}

/// <summary>Keeps returned quantities per order line across all returns of one order, so nothing is returned twice.</summary>
public sealed class OrderLedgerGrain(
    [PersistentState("ledger", StorageNames.Returns)] IPersistentState<OrderLedgerState> state) : Grain, IOrderLedgerGrain
{
    public Task<IReadOnlyDictionary<string, int>> GetReturnedAsync() => Task.FromResult<IReadOnlyDictionary<string, int>>(Totals(null));

    public async Task<Rejection?> ReserveAsync(string rmaId, IReadOnlyList<LedgerClaim> claims)
    {
        var others = Totals(except: rmaId);
        var errors = new Dictionary<string, string[]>();
        foreach (var claim in claims)
        {
            var already = others.GetValueOrDefault(claim.OrderLineId);
            if (already + claim.Quantity > claim.OrderedQuantity)
            {
                errors[$"orderLine[{claim.OrderLineId}].quantity"] =
                    [$"Ordered {claim.OrderedQuantity}, already returned {already}; at most {Math.Max(0, claim.OrderedQuantity - already)} more."];
            }
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("rma.ineligible", "Another return already claims these units.", errors);
        }

        var wanted = claims.ToDictionary(c => c.OrderLineId, c => c.Quantity);
        if (state.State.Claims.TryGetValue(rmaId, out var current) && current.Count == wanted.Count && !current.Except(wanted).Any())
        {
            return null;
        }

        state.State.Claims[rmaId] = wanted;
        await state.WriteStateAsync();
        return null;
    }

    public async Task ReleaseAsync(string rmaId)
    {
        if (state.State.Claims.Remove(rmaId))
        {
            await state.WriteStateAsync();
        }
    }

    private Dictionary<string, int> Totals(string? except) =>
        state.State.Claims.Where(c => c.Key != except)
            .SelectMany(c => c.Value)
            .GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
}
