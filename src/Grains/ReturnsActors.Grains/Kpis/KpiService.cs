using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Suppliers;

namespace ReturnsActors.Grains.Kpis;

/// <summary>Fetches what the KPIs need (one read-model query, one event-log query, the refund hours of the policy
/// versions involved) and hands it to <see cref="KpiCalculator"/>; the same code runs in every profile.</summary>
public sealed class KpiService(IRmaReadModel readModel, IRmaEventQuery events, IGrainFactory grains, TimeProvider time)
{
    public async Task<KpiReport> ComputeAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, string groupBy, CancellationToken cancellationToken = default)
    {
        var rows = await readModel.ListForKpisAsync(tenantId, from, to, cancellationToken);
        var log = await events.ReadTenantEventsAsync(tenantId, [.. KpiCalculator.EventTypes], to, cancellationToken);

        var hours = new Dictionary<int, int>();
        foreach (var version in log.Where(e => e.Type == Rma.Events.RefundIssued.WireName).Select(e => e.PolicyVersion).Distinct())
        {
            var policy = version == 0 ? null : await grains.GetGrain<IPolicyGrain>(tenantId).GetVersionAsync(version);
            hours[version] = (policy ?? DefaultPolicy.Document).Sla.RefundHours;
        }

        var report = KpiCalculator.Compute(tenantId, from, to, groupBy, time.GetUtcNow(), rows, log,
            v => hours.TryGetValue(v, out var h) ? h : DefaultPolicy.Document.Sla.RefundHours);
        var supplierIds = await grains.GetGrain<ISupplierIndexGrain>(tenantId).ListAsync();
        var suppliers = await Task.WhenAll(supplierIds.Select(id => grains.GetGrain<ISupplierGrain>($"{tenantId}/{id}").GetAsync()));
        return report with { SupplierRecovery = SupplierRecovery.From(suppliers.OfType<SupplierView>().ToList()) };
    }
}
