using System.Collections.Concurrent;

namespace ReturnsActors.Grains.Rma;

/// <summary>The read model of the Embedded profile: the same rows and ordering as PostgreSQL, in memory.</summary>
public sealed class InMemoryRmaReadModel : IRmaReadModel
{
    private readonly ConcurrentDictionary<(string Tenant, string Rma), RmaSummary> _rows = new();

    public Task UpsertAsync(string tenantId, RmaSummary row, CancellationToken cancellationToken = default)
    {
        _rows.AddOrUpdate((tenantId, row.RmaId),
            _ => row,
            (_, existing) => existing.Version > row.Version
                ? existing
                : row with { Warehouse = row.Warehouse ?? existing.Warehouse, CustomerId = row.CustomerId ?? existing.CustomerId });
        return Task.CompletedTask;
    }

    public Task<(IReadOnlyList<RmaSummary> Items, RmaCursor? Next)> SearchAsync(RmaSearch search, CancellationToken cancellationToken = default)
    {
        var rows = _rows.Where(r => r.Key.Tenant == search.TenantId).Select(r => r.Value)
            .Where(r => search.Status is not { } s || r.Status == s)
            .Where(r => search.Channel is not { } c || r.Channel == c)
            .Where(r => search.Warehouse is not { } w || r.Warehouse == w)
            .Where(r => search.ReasonClass is not { } rc || r.ReasonClasses.Contains(rc))
            .Where(r => search.OrderId is not { } o || r.OrderId == o)
            .Where(r => search.CustomerId is not { } cu || r.CustomerId == cu)
            .Where(r => search.SlaState is not { } sla || r.SlaState == sla)
            .Where(r => search.CreatedAfter is not { } a || r.CreatedAt >= a)
            .Where(r => search.CreatedBefore is not { } b || r.CreatedAt < b)
            .Where(r => search.After is not { } k || r.CreatedAt < k.CreatedAt || (r.CreatedAt == k.CreatedAt && string.CompareOrdinal(r.RmaId, k.RmaId) < 0))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.RmaId, StringComparer.Ordinal)
            .Take(search.Limit + 1)
            .ToList();
        if (rows.Count <= search.Limit)
        {
            return Task.FromResult<(IReadOnlyList<RmaSummary>, RmaCursor?)>((rows, null));
        }

        rows.RemoveAt(rows.Count - 1);
        return Task.FromResult<(IReadOnlyList<RmaSummary>, RmaCursor?)>((rows, new RmaCursor(rows[^1].CreatedAt, rows[^1].RmaId)));
    }

    public Task<IReadOnlyList<RmaSummary>> ListForKpisAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RmaSummary>>(_rows.Where(r => r.Key.Tenant == tenantId).Select(r => r.Value)
            .Where(r => r.CreatedAt < to && (RmaOpenness.IsOpen(r.Status) || r.UpdatedAt >= from)).ToList());

    public Task<IReadOnlyList<RmaStatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RmaStatusCount>>(_rows.GroupBy(r => (r.Key.Tenant, r.Value.Status))
            .Select(g => new RmaStatusCount(g.Key.Tenant, g.Key.Status, g.LongCount())).ToList());
}
