namespace ReturnsActors.Grains.Rma;

/// <summary>A search over the returns read model; every filter is optional and they combine with AND.</summary>
public sealed record RmaSearch(
    string TenantId,
    RmaStatus? Status = null,
    string? Channel = null,
    string? Warehouse = null,
    ReasonClass? ReasonClass = null,
    string? OrderId = null,
    RmaSlaState? SlaState = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null,
    int Limit = 50,
    RmaCursor? After = null,
    string? CustomerId = null);

/// <summary>Keyset position in the newest-first order (created_at desc, rma_id desc).</summary>
public sealed record RmaCursor(DateTimeOffset CreatedAt, string RmaId);

/// <summary>Where a return stands against its stage deadlines.</summary>
public enum RmaSlaState
{
    Ok = 0,
    Warning = 1,
    Breached = 2,
}

/// <summary>One row of the read model.</summary>
public sealed record RmaSummary(
    string RmaId,
    string OrderId,
    string Channel,
    RmaStatus Status,
    bool OnHold,
    string? Warehouse,
    IReadOnlyList<ReasonClass> ReasonClasses,
    RmaSlaState SlaState,
    DateTimeOffset? NextDueAt,
    Money? SettlementTotal,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version,
    string? CustomerId = null);

/// <summary>The read side for listing and searching returns (PostgreSQL in Cluster, memory in Embedded).</summary>
public interface IRmaReadModel
{
    /// <summary>Inserts or updates the row unless a newer version is already stored (projection is idempotent); a row without a
    /// warehouse or customer keeps the stored one.</summary>
    Task UpsertAsync(string tenantId, RmaSummary row, CancellationToken cancellationToken = default);

    /// <summary>One page, newest first, and the cursor of the next page when there is one.</summary>
    Task<(IReadOnlyList<RmaSummary> Items, RmaCursor? Next)> SearchAsync(RmaSearch search, CancellationToken cancellationToken = default);

    /// <summary>The rows KPIs over <c>[from, to)</c> need: created before <paramref name="to"/>, and still open or
    /// updated since <paramref name="from"/>.</summary>
    Task<IReadOnlyList<RmaSummary>> ListForKpisAsync(string tenantId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>Returns per tenant and status, for the business gauges.</summary>
    Task<IReadOnlyList<RmaStatusCount>> CountByStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>How many returns of a tenant are in a status.</summary>
public sealed record RmaStatusCount(string TenantId, RmaStatus Status, long Count);

/// <summary>Statuses in which a return is finished; every other status counts as open (aging, backlog).</summary>
public static class RmaOpenness
{
    public static readonly IReadOnlyList<RmaStatus> Finished =
        [RmaStatus.Resolved, RmaStatus.Closed, RmaStatus.Declined, RmaStatus.Cancelled, RmaStatus.Expired];

    public static bool IsOpen(RmaStatus status) => !Finished.Contains(status);
}

public static class RmaSummaries
{
    /// <summary>The row a view projects to; one definition for every read-model store.</summary>
    public static RmaSummary From(RmaView view, string? warehouse)
    {
        var (sla, nextDue) = Sla(view.Deadlines);
        return new RmaSummary(view.RmaId, view.OrderId, view.Channel, view.Status, view.OnHold, warehouse,
            view.Lines.Select(l => l.ReasonClass).Distinct().Order().ToList(), sla, nextDue, view.SettlementTotal,
            view.CreatedAt, view.UpdatedAt, view.Version, view.CustomerId);
    }

    /// <summary>Where a return stands against its open deadlines, and the next one due.</summary>
    public static (RmaSlaState State, DateTimeOffset? NextDueAt) Sla(IEnumerable<DeadlineView> deadlines)
    {
        var open = deadlines.Where(d => d.CompletedAt is null).ToList();
        var state = open.Any(d => d.BreachedAt is not null) ? RmaSlaState.Breached
            : open.Any(d => d.WarnedAt is not null) ? RmaSlaState.Warning
            : RmaSlaState.Ok;
        return (state, open.Count == 0 ? null : open.Min(d => d.DueAt));
    }
}
