namespace ReturnsActors.Grains.Rma;

/// <summary>Port to the append-only event log, the record of every return. Appends are idempotent by (rmaKey, seq): a replayed
/// event with the same hash is ignored. An append is checked against the chain it extends (the expected version): its first
/// event must follow the last logged one (seq and previous hash), each event must link to the one before and hash to its own
/// hash. An append that does not, or that names a logged seq with another hash, fails with <see cref="RmaAppendConflictException"/>
/// and writes nothing of that return; other returns' appends are not affected.</summary>
public interface IRmaEventLog
{
    Task AppendAsync(string rmaKey, IReadOnlyList<RmaEvent> events, CancellationToken cancellationToken = default);

    /// <summary>All events of one return, by seq.</summary>
    Task<IReadOnlyList<RmaEvent>> ReadAsync(string rmaKey, CancellationToken cancellationToken = default);

    /// <summary>The events of one return after <paramref name="afterSeq"/>, by seq (the tail after a snapshot).</summary>
    Task<IReadOnlyList<RmaEvent>> ReadTailAsync(string rmaKey, long afterSeq, CancellationToken cancellationToken = default);
}

/// <summary>An append that does not extend the logged chain of its return: another writer appended first (a stale version),
/// or the events are not a valid chain. Nothing of the append was written.</summary>
public sealed class RmaAppendConflictException(string message) : InvalidOperationException(message)
{
    /// <summary>Checks that <paramref name="events"/> form a chain of their own (consecutive seqs, each linked to the one before,
    /// each hash recomputed); returns why not, or null. The link to the logged chain is checked by the log.</summary>
    public static string? CheckChain(IReadOnlyList<RmaEvent> events)
    {
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (i > 0 && (e.Seq != events[i - 1].Seq + 1 || e.PrevHash != events[i - 1].Hash))
            {
                return $"event #{e.Seq} does not follow #{events[i - 1].Seq}";
            }

            if (e.Seq < 1 || (e.Seq == 1 && e.PrevHash != AuditChain.GenesisHash) || AuditChain.Hash(e) != e.Hash)
            {
                return $"event #{e.Seq} does not hash to its recorded hash";
            }
        }

        return null;
    }
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
            if (events.Count == 0)
            {
                return Task.CompletedTask;
            }

            if (RmaAppendConflictException.CheckChain(events) is { } broken)
            {
                throw new RmaAppendConflictException($"Append to {rmaKey} refused: {broken}.");
            }

            if (!_logs.TryGetValue(rmaKey, out var log))
            {
                _logs[rmaKey] = log = [];
            }

            var head = events[0];
            if (head.Seq > 1 && !log.ContainsKey(head.Seq) && (!log.TryGetValue(head.Seq - 1, out var before) || before.Hash != head.PrevHash))
            {
                throw new RmaAppendConflictException($"Append to {rmaKey} refused: event #{head.Seq} does not follow the logged chain.");
            }

            // Checked whole before anything is written: a conflicting append writes nothing.
            foreach (var e in events)
            {
                // Same (rma, seq) with a different hash means two writers diverged; never overwrite the audit trail.
                if (log.TryGetValue(e.Seq, out var existing) && existing.Hash != e.Hash)
                {
                    throw new RmaAppendConflictException($"Event {rmaKey}#{e.Seq} already logged with a different hash.");
                }
            }

            foreach (var e in events)
            {
                log.TryAdd(e.Seq, e);
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

    public Task<IReadOnlyList<RmaEvent>> ReadTailAsync(string rmaKey, long afterSeq, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RmaEvent> events = _logs.TryGetValue(rmaKey, out var log) ? log.Values.Where(e => e.Seq > afterSeq).ToList() : [];
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
