using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Stock;
using ReturnsActors.Grains.Warehouses;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Grains;

public static class ReturnsGrainsServiceCollectionExtensions
{
    /// <summary>Services the return grains need, with in-memory defaults (Embedded profile, tests).
    /// Register a durable <see cref="IRmaEventLog"/>, <see cref="IOrderSource"/> or <see cref="IStockSource"/> before or after this call
    /// (<c>Replace</c>/<c>AddSingleton</c> after wins; <c>TryAdd</c> here never overrides).</summary>
    public static IServiceCollection AddReturnsGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InMemoryOrderSource>();
        services.TryAddSingleton<IOrderSource>(sp => sp.GetRequiredService<InMemoryOrderSource>());
        services.TryAddSingleton<InMemoryRmaEventLog>();
        services.TryAddSingleton<IRmaEventLog>(sp => sp.GetRequiredService<InMemoryRmaEventLog>());
        services.TryAddSingleton<InMemoryStockSource>();
        services.TryAddSingleton<IStockSource>(sp => sp.GetRequiredService<InMemoryStockSource>());
        services.AddOptions<WarehouseReportingOptions>();
        services.AddOptions<RmaRecordOptions>()
            .BindConfiguration(RmaRecordOptions.Section)
            .Validate(o => o.SnapshotEvery is >= 1 and <= 10_000, $"{RmaRecordOptions.Section}:SnapshotEvery must be between 1 and 10000.")
            .ValidateOnStart();
        services.TryAddSingleton<IRmaEventQuery>(sp => sp.GetRequiredService<InMemoryRmaEventLog>());
        services.TryAddSingleton<ReturnsMetrics>();
        services.TryAddSingleton<KpiService>();
        return services;
    }
}
