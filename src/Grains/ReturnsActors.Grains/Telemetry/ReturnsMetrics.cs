using System.Diagnostics.Metrics;

namespace ReturnsActors.Grains.Telemetry;

/// <summary>Gauge values sampled from the read model and the task queues (never a query per scrape).</summary>
/// <param name="ReturnsByState">Returns per (tenant, status).</param>
/// <param name="Queues">Depth and oldest age per (tenant, queue).</param>
public sealed record BusinessSnapshot(
    IReadOnlyList<(string Tenant, string Status, long Count)> ReturnsByState,
    IReadOnlyList<(string Tenant, string Queue, int Depth, double OldestAgeSeconds)> Queues)
{
    public static BusinessSnapshot Empty { get; } = new([], []);
}

/// <summary>The business meter <c>ReturnsActors</c>: every instrument of ours is defined here, once, so the names
/// stay stable and other features (webhooks, dead letters) only call a method.</summary>
public sealed class ReturnsMetrics
{
    public const string MeterName = "ReturnsActors";

    private static readonly double[] _refundBucketsSeconds =
        [3600, 6 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 72 * 3600, 5 * 86400, 7 * 86400, 14 * 86400, 30 * 86400];

    private readonly Counter<long> _transitions;
    private readonly Counter<long> _slaWarnings;
    private readonly Counter<long> _slaBreaches;
    private readonly Histogram<double> _refundLatency;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _webhookDeliveries;
    private readonly Counter<long> _notificationsSkipped;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _snapshotsDiscarded;
    private volatile BusinessSnapshot _snapshot = BusinessSnapshot.Empty;

    public ReturnsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _transitions = meter.CreateCounter<long>("returnsactors.rma.transitions", "{event}",
            "Events of returns committed to the event log, by event type (counted once, by the projector)");
        _slaWarnings = meter.CreateCounter<long>("returnsactors.sla.warnings", "{warning}", "SLA warnings raised, by stage");
        _slaBreaches = meter.CreateCounter<long>("returnsactors.sla.breaches", "{breach}", "SLA breaches raised, by stage");
        _refundLatency = meter.CreateHistogram("returnsactors.refund.latency", "s",
            "From the return being requested to the refund being issued",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _refundBucketsSeconds });
        _deadLetters = meter.CreateCounter<long>("returnsactors.dead_letters", "{message}", "Messages given up on and parked, by source");
        _webhookDeliveries = meter.CreateCounter<long>("returnsactors.webhook.deliveries", "{delivery}",
            "Webhook delivery attempts, by outcome (delivered, failed)");
        _notificationsSkipped = meter.CreateCounter<long>("returnsactors.notifications.skipped", "{notification}",
            "Customer notifications not sent, by channel and reason (no_address: the return's order has no customer address)");
        _quarantined = meter.CreateCounter<long>("returnsactors.rma.quarantined", "{return}",
            "Returns whose activation found an unknown or corrupt event in their log and refused to load, by reason (unknown_event, corrupt_event, broken_chain)");
        _snapshotsDiscarded = meter.CreateCounter<long>("returnsactors.rma.snapshots_discarded", "{snapshot}",
            "Snapshots of returns that disagreed with the event log and were rebuilt from it");
        meter.CreateObservableGauge("returnsactors.rma.returns", () => _snapshot.ReturnsByState.Select(r =>
            new Measurement<long>(r.Count, new("tenant", r.Tenant), new("status", r.Status))), "{return}", "Returns in the read model by tenant and status");
        meter.CreateObservableGauge("returnsactors.tasks.queue_depth", () => _snapshot.Queues.Select(q =>
            new Measurement<int>(q.Depth, new("tenant", q.Tenant), new("queue", q.Queue))), "{task}", "Open and claimed human tasks per queue");
        meter.CreateObservableGauge("returnsactors.tasks.oldest_age", () => _snapshot.Queues.Select(q =>
            new Measurement<double>(q.OldestAgeSeconds, new("tenant", q.Tenant), new("queue", q.Queue))), "s", "Age of the oldest open task per queue");
    }

    /// <summary>The last sample the gauges report.</summary>
    public BusinessSnapshot Snapshot
    {
        get => _snapshot;
        set => _snapshot = value;
    }

    /// <summary>One committed event of a return; SLA events also count as warnings or breaches of their stage.</summary>
    public void Transition(string eventType, string? slaStage = null)
    {
        _transitions.Add(1, new KeyValuePair<string, object?>("event_type", eventType));
        if (eventType == Rma.Events.SlaWarning.WireName)
        {
            _slaWarnings.Add(1, new KeyValuePair<string, object?>("stage", slaStage ?? "unknown"));
        }
        else if (eventType == Rma.Events.SlaBreached.WireName)
        {
            _slaBreaches.Add(1, new KeyValuePair<string, object?>("stage", slaStage ?? "unknown"));
        }
    }

    public void RefundIssued(TimeSpan sinceRequested) => _refundLatency.Record(Math.Max(0, sinceRequested.TotalSeconds));

    /// <summary>A message given up on (for the outbox, webhook and connector features).</summary>
    public void DeadLetter(string source) => _deadLetters.Add(1, new KeyValuePair<string, object?>("source", source));

    /// <summary>A webhook delivery attempt and whether the receiver took it.</summary>
    public void WebhookDelivery(bool delivered) =>
        _webhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));

    /// <summary>A customer notification that was not sent (and will not be retried), e.g. because the order has no address.</summary>
    public void NotificationSkipped(string channel, string reason) => _notificationsSkipped.Add(1,
        new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A return refused to load: its log holds an event it cannot read (it is quarantined until an operator repairs the log).</summary>
    public void Quarantined(string reason) => _quarantined.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A return's snapshot disagreed with its log and was discarded; the state was rebuilt from the log.</summary>
    public void SnapshotDiscarded() => _snapshotsDiscarded.Add(1);
}
