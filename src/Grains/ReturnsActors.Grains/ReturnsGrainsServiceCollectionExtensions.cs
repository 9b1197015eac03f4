using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Grains;

public static class ReturnsGrainsServiceCollectionExtensions
{
    /// <summary>Services the return grains need, with in-memory defaults (Embedded profile, tests).
    /// Register a durable <see cref="IRmaEventLog"/> or <see cref="IOrderSource"/> before or after this call
    /// (<c>Replace</c>/<c>AddSingleton</c> after wins; <c>TryAdd</c> here never overrides).</summary>
    public static IServiceCollection AddReturnsGrains(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InMemoryOrderSource>();
        services.TryAddSingleton<IOrderSource>(sp => sp.GetRequiredService<InMemoryOrderSource>());
        services.TryAddSingleton<InMemoryRmaEventLog>();
        services.TryAddSingleton<IRmaEventLog>(sp => sp.GetRequiredService<InMemoryRmaEventLog>());
        services.TryAddSingleton<IRmaEventQuery>(sp => sp.GetRequiredService<InMemoryRmaEventLog>());
        services.TryAddSingleton<ReturnsMetrics>();
        services.TryAddSingleton<KpiService>();
        return services;
    }
}
