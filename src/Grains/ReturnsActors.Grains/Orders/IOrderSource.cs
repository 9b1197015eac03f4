using System.Collections.Concurrent;

namespace ReturnsActors.Grains.Orders;

/// <summary>An order a return is made against, as the shop or ERP knows it.</summary>
/// <remarks>The customer's e-mail address and language are read from here when a notification is sent, never copied into a
/// return or its event log; the tier (<see cref="CustomerTiers"/>) and each line's warranty feed the advisory model.</remarks>
public sealed record OrderSnapshot(
    string TenantId,
    string OrderId,
    string Channel,
    DateTimeOffset DeliveredAt,
    string Currency,
    IReadOnlyList<OrderLine> Lines,
    string? BusinessUnit = null,
    string? Region = null,
    string? CustomerId = null,
    string? CustomerEmail = null,
    string? CustomerLanguage = null,
    string? CustomerTier = null);

/// <summary>One order line.</summary>
public sealed record OrderLine(
    string OrderLineId,
    string Sku,
    string Category,
    int Quantity,
    decimal UnitPrice,
    IReadOnlyList<string> SerialNumbers,
    string? SupplierId = null,
    int? WarrantyMonths = null);

/// <summary>The loyalty tiers an order may name.</summary>
public static class CustomerTiers
{
    public static IReadOnlyList<string> All { get; } = ["standard", "silver", "gold"];
}

/// <summary>Port to the system that knows orders (the silo adds a PostgreSQL implementation).</summary>
public interface IOrderSource
{
    /// <summary>The order, or null when the tenant has no such order.</summary>
    Task<OrderSnapshot?> GetOrderAsync(string tenantId, string orderId, CancellationToken cancellationToken = default);
}

/// <summary>Orders held in memory, seeded with demo orders for tenant <c>demo</c> (delivered a few days before start).</summary>
public sealed class InMemoryOrderSource : IOrderSource
{
    private readonly ConcurrentDictionary<(string Tenant, string Order), OrderSnapshot> _orders = new();

    public InMemoryOrderSource(TimeProvider time)
    {
        var now = time.GetUtcNow();
        Add(new OrderSnapshot("demo", "ORD-1001", "web", now.AddDays(-3), "EUR",
        [
            new OrderLine("1", "SKU-HEADPHONES-01", "electronics", 1, 199.99m, ["SN-HP-0001"]),
            new OrderLine("2", "SKU-TSHIRT-M-BLUE", "apparel", 3, 19.95m, []),
        ]));
        Add(new OrderSnapshot("demo", "ORD-1002", "marketplace", now.AddDays(-10), "EUR",
        [
            new OrderLine("1", "SKU-LAPTOP-14", "electronics", 1, 1299.00m, ["SN-LT-7781"]),
        ]));
        Add(new OrderSnapshot("demo", "ORD-1003", "store", now.AddDays(-45), "EUR",
        [
            new OrderLine("1", "SKU-GIFTCARD-50", "gift_cards", 1, 50m, []),
            new OrderLine("2", "SKU-MUG-WHITE", "home", 2, 12.50m, []),
        ]));
    }

    /// <summary>Adds or replaces an order (demo data and tests).</summary>
    public void Add(OrderSnapshot order) => _orders[(order.TenantId, order.OrderId)] = order;

    public Task<OrderSnapshot?> GetOrderAsync(string tenantId, string orderId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_orders.TryGetValue((tenantId, orderId), out var order) ? order : null);
}
