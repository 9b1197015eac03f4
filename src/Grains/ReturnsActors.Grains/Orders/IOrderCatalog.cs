namespace ReturnsActors.Grains.Orders;

/// <summary>Loads orders into the catalog that <see cref="IOrderSource"/> reads (the API's <c>/v1/orders</c>).</summary>
public interface IOrderCatalog
{
    /// <summary>Adds the order, or replaces it and all its lines.</summary>
    Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default);
}

/// <summary>The in-memory catalog of the Embedded profile.</summary>
public sealed class InMemoryOrderCatalog(InMemoryOrderSource source) : IOrderCatalog
{
    public Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        source.Add(order);
        return Task.CompletedTask;
    }
}
