using System.Collections.Concurrent;

namespace ReturnsActors.Grains.Stock;

/// <summary>Port to the system that knows stock levels (ERP, WMS); asked before a replacement is settled.</summary>
public interface IStockSource
{
    /// <summary>True when <paramref name="quantity"/> units of <paramref name="sku"/> can be shipped as a replacement.</summary>
    Task<bool> IsAvailableAsync(string tenantId, string sku, int quantity, CancellationToken cancellationToken = default);
}

/// <summary>Stock held in memory: every SKU is available unless marked out of stock (Embedded profile, tests).</summary>
public sealed class InMemoryStockSource : IStockSource
{
    private readonly ConcurrentDictionary<(string Tenant, string Sku), bool> _outOfStock = new();

    /// <summary>Marks a SKU out of stock (or back in stock) for one tenant.</summary>
    public void SetOutOfStock(string tenantId, string sku, bool outOfStock = true)
    {
        if (outOfStock)
        {
            _outOfStock[(tenantId, sku)] = true;
        }
        else
        {
            _outOfStock.TryRemove((tenantId, sku), out _);
        }
    }

    public Task<bool> IsAvailableAsync(string tenantId, string sku, int quantity, CancellationToken cancellationToken = default) =>
        Task.FromResult(!_outOfStock.ContainsKey((tenantId, sku)));
}
