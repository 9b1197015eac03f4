namespace ReturnsActors.Grains.Rma;

/// <summary>Port to the append-only audit log. Appends are idempotent by (rmaKey, seq): a replayed event is ignored.</summary>
public interface IRmaEventLog
{
    Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default);

    /// <summary>All events of one return, by seq.</summary>
    Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default);
}

/// <summary>Reads the event log across the returns of one tenant (KPIs).</summary>
public interface IRmaEventQuery
{
    /// <summary>Events of <paramref name="types"/> of the tenant's returns that occurred before <paramref name="before"/> (and not
    /// before <paramref name="from"/> when given).</summary>
    Task<IReadOnlyList<Kpis.KpiEvent>> ReadTenantEventsAsync(string tenantId, IReadOnlyCollection<string> types, DateTimeOffset before,
        DateTimeOffset? from = null, CancellationToken cancellationToken = default);
}

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
        DateTimeOffset? from = null, CancellationToken cancellationToken = default)
    {
        var prefix = tenantId + "/";
        lock (_gate)
        {
            IReadOnlyList<Kpis.KpiEvent> events = _logs.Where(l => l.Key.StartsWith(prefix, StringComparison.Ordinal))
                .SelectMany(l => l.Value.Values.Select(e => (RmaId: l.Key[prefix.Length..], Event: e)))
                .Where(x => types.Contains(x.Event.Type) && x.Event.OccurredAt < before && (from is null || x.Event.OccurredAt >= from))
                .Select(x => new Kpis.KpiEvent(x.RmaId, x.Event.Type, x.Event.OccurredAt, x.Event.PolicyVersion, x.Event.DataJson))
                .ToList();
            return Task.FromResult(events);
        }
    }
}
