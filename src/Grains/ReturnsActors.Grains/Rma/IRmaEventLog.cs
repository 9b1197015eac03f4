namespace ReturnsActors.Grains.Rma;

/// <summary>Port to the append-only audit log. Appends are idempotent by (rmaKey, seq): a replayed event is ignored.</summary>
public interface IRmaEventLog
{
    Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default);

    /// <summary>All events of one return, by seq.</summary>
    Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default);
}

/// <summary>Reads the event log across the returns of one tenant (KPIs, advisory features).</summary>
public interface IRmaEventQuery
{
    /// <summary>Events of <paramref name="types"/> of the tenant's returns that occurred before <paramref name="before"/>.</summary>
    Task<IReadOnlyList<Kpis.KpiEvent>> ReadTenantEventsAsync(string tenantId, IReadOnlyCollection<string> types, DateTimeOffset before,
        CancellationToken cancellationToken = default);

    /// <summary>Units of <paramref name="category"/> in the tenant's <see cref="Events.ReturnRequested"/> events in [<paramref name="from"/>,
    /// <paramref name="before"/>), return <paramref name="excludeRmaId"/> left out: all of them, and those with reason class defect.</summary>
    Task<CategoryReturnUnits> CategoryReturnUnitsAsync(string tenantId, string category, DateTimeOffset from, DateTimeOffset before, string excludeRmaId,
        CancellationToken cancellationToken = default);
}

/// <summary>Returned units of one category (SKU family) and how many of them came back as defective.</summary>
public sealed record CategoryReturnUnits(long Units, long Defective);

/// <summary>Event log in process memory (Embedded profile and tests). Thread-safe; not durable.</summary>
public sealed class InMemoryRmaEventLog : IRmaEventLog, IRmaEventQuery
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedList<long, RmaEvent>> _logs = new(StringComparer.Ordinal);

    public Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(rmaKey, out var log))
            {
                _logs[rmaKey] = log = [];
            }

            foreach (var e in events)
            {
                if (log.TryGetValue(e.Seq, out var existing))
                {
                    // Same (rma, seq) with a different hash means two writers diverged; never overwrite the audit trail.
                    if (existing.Hash != e.Hash)
                    {
                        throw new InvalidOperationException($"Event {rmaKey}#{e.Seq} already logged with a different hash.");
                    }

                    continue;
                }

                log.Add(e.Seq, e);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RmaEvent> events = _logs.TryGetValue(rmaKey, out var log) ? log.Values.ToList() : [];
            return Task.FromResult(events);
        }
    }

    public Task<IReadOnlyList<Kpis.KpiEvent>> ReadTenantEventsAsync(string tenantId, IReadOnlyCollection<string> types, DateTimeOffset before,
        CancellationToken cancellationToken = default) =>
        Task.FromResult(TenantEvents(tenantId, types, before));

    public Task<CategoryReturnUnits> CategoryReturnUnitsAsync(string tenantId, string category, DateTimeOffset from, DateTimeOffset before,
        string excludeRmaId, CancellationToken cancellationToken = default)
    {
        long units = 0, defective = 0;
        foreach (var e in TenantEvents(tenantId, [Events.ReturnRequested.WireName], before).Where(e => e.OccurredAt >= from && e.RmaId != excludeRmaId))
        {
            if (Events.RmaEventCatalog.Deserialize(e.Type, e.DataJson) is not Events.ReturnRequested requested)
            {
                continue;
            }

            foreach (var line in requested.Lines.Where(l => l.Category == category))
            {
                units += line.Quantity;
                defective += line.ReasonClass == ReasonClass.Defect ? line.Quantity : 0;
            }
        }

        return Task.FromResult(new CategoryReturnUnits(units, defective));
    }

    private IReadOnlyList<Kpis.KpiEvent> TenantEvents(string tenantId, IReadOnlyCollection<string> types, DateTimeOffset before)
    {
        var prefix = tenantId + "/";
        lock (_gate)
        {
            return _logs.Where(l => l.Key.StartsWith(prefix, StringComparison.Ordinal))
                .SelectMany(l => l.Value.Values.Select(e => (RmaId: l.Key[prefix.Length..], Event: e)))
                .Where(x => types.Contains(x.Event.Type) && x.Event.OccurredAt < before)
                .Select(x => new Kpis.KpiEvent(x.RmaId, x.Event.Type, x.Event.OccurredAt, x.Event.PolicyVersion, x.Event.DataJson))
                .ToList();
        }
    }
}
