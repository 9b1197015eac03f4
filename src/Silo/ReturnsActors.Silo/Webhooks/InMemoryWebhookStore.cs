using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>A place in the event log: (transaction id, position) in Cluster, as the projector reads it; (0, index) in Embedded.</summary>
internal readonly record struct WebhookCursor(ulong Tx, long Position);

/// <summary>An event of the log as the dispatcher sees it: its tenant, return and place in the log.</summary>
internal sealed record WebhookEvent(WebhookCursor Position, string TenantId, string RmaId, long Seq, string Type, DateTimeOffset OccurredAt, string DataJson);

/// <summary>A subscription due for delivery: where its checkpoint is and how often the event after it has failed.</summary>
internal sealed record WebhookTarget(string TenantId, string Id, string Url, IReadOnlyList<string> EventTypes, IReadOnlyList<string> Secrets,
    WebhookCursor Checkpoint, int FailedAttempts);

/// <summary>What one delivery step did: the new checkpoint (moved only past delivered or unsubscribed events), the failures of the
/// event after it, when to try again, whether the subscription is disabled, and the attempt for the log.</summary>
internal sealed record WebhookProgress(WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset? NextAttemptAt, string? DisabledReason, WebhookDeliveryAttempt? Attempt);

/// <summary>The dispatcher's side of the subscription store.</summary>
internal interface IWebhookOutbox
{
    /// <summary>Active subscriptions whose next attempt is due.</summary>
    Task<IReadOnlyList<(string TenantId, string Id)>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Takes the subscription for one delivery pass (no other dispatcher delivers it until the lease is disposed) and reads it
    /// fresh; null when another dispatcher has it or it is no longer due.</summary>
    Task<WebhookLease?> ClaimAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The tenant's events after <paramref name="checkpoint"/>, in log order.</summary>
    Task<IReadOnlyList<WebhookEvent>> ReadAfterAsync(string tenantId, WebhookCursor checkpoint, int limit, CancellationToken cancellationToken);

    Task RecordAsync(string tenantId, string id, WebhookProgress progress, CancellationToken cancellationToken);
}

/// <summary>A claimed subscription; disposing releases it.</summary>
internal sealed class WebhookLease(WebhookTarget target, Func<ValueTask>? release = null) : IAsyncDisposable
{
    public WebhookTarget Target => target;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>The Embedded profile's subscriptions, delivery logs and event journal, in process memory (nothing survives a restart,
/// like everything else in Embedded). A new subscription starts after the last event already logged.</summary>
internal sealed class InMemoryWebhookStore(TimeProvider time) : IWebhookSubscriptionStore, IWebhookOutbox
{
    private const int LogLimit = 1000;
    private readonly Lock _gate = new();
    private readonly List<WebhookEvent> _journal = [];
    private readonly Dictionary<(string Tenant, string Id), Entry> _subscriptions = [];

    /// <summary>Called by the event log for each event new to it.</summary>
    public void Append(string tenantId, string rmaId, RmaEvent e)
    {
        lock (_gate)
        {
            _journal.Add(new WebhookEvent(new WebhookCursor(0, _journal.Count + 1), tenantId, rmaId, e.Seq, e.Type, e.OccurredAt, e.DataJson));
        }
    }

    /// <summary>Tenants with events in the journal (for the outbound connectors).</summary>
    public IReadOnlyList<string> Tenants()
    {
        lock (_gate)
        {
            return _journal.Select(e => e.TenantId).Distinct().ToList();
        }
    }

    public Task CreateAsync(WebhookSubscription subscription, string secret, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _subscriptions[(subscription.TenantId, subscription.Id)] = new Entry(subscription, secret) { Checkpoint = new WebhookCursor(0, _journal.Count) };
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookSubscription>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WebhookSubscription> list = _subscriptions.Values.Where(e => e.Subscription.TenantId == tenantId)
                .Select(e => e.Subscription).OrderBy(s => s.CreatedAt).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<WebhookSubscription?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_subscriptions.GetValueOrDefault((tenantId, id))?.Subscription);
        }
    }

    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_subscriptions.Remove((tenantId, id)));
        }
    }

    public Task<WebhookSubscription?> RotateSecretAsync(string tenantId, string id, string secret, DateTimeOffset previousExpiresAt,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue((tenantId, id), out var entry))
            {
                return Task.FromResult<WebhookSubscription?>(null);
            }

            entry.PreviousSecret = entry.Secret;
            entry.Secret = secret;
            entry.Subscription = entry.Subscription with { SecretRotatedAt = time.GetUtcNow(), PreviousSecretExpiresAt = previousExpiresAt };
            return Task.FromResult<WebhookSubscription?>(entry.Subscription);
        }
    }

    public Task<IReadOnlyList<WebhookDeliveryAttempt>?> ListDeliveriesAsync(string tenantId, string id, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WebhookDeliveryAttempt>? log = _subscriptions.TryGetValue((tenantId, id), out var entry)
                ? entry.Log.AsEnumerable().Reverse().Take(limit).ToList()
                : null;
            return Task.FromResult(log);
        }
    }

    public Task<IReadOnlyList<(string TenantId, string Id)>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<(string, string)> due = _subscriptions.Values
                .Where(e => e.Subscription.Status == WebhookStatus.Active && e.NextAttemptAt <= now && e.Checkpoint.Position < _journal.Count)
                .Select(e => (e.Subscription.TenantId, e.Subscription.Id))
                .ToList();
            return Task.FromResult(due);
        }
    }

    /// <summary>One dispatcher per process: nothing to lock.</summary>
    public Task<WebhookLease?> ClaimAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            WebhookLease? lease = _subscriptions.TryGetValue((tenantId, id), out var e) && e.Subscription.Status == WebhookStatus.Active
                ? new WebhookLease(new WebhookTarget(e.Subscription.TenantId, e.Subscription.Id, e.Subscription.Url, e.Subscription.EventTypes,
                    e.Subscription.PreviousSecretExpiresAt > now && e.PreviousSecret is not null ? [e.Secret, e.PreviousSecret] : [e.Secret],
                    e.Checkpoint, e.FailedAttempts))
                : null;
            return Task.FromResult(lease);
        }
    }

    public Task<IReadOnlyList<WebhookEvent>> ReadAfterAsync(string tenantId, WebhookCursor checkpoint, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Positions are 1-based indexes into the journal.
            IReadOnlyList<WebhookEvent> events = _journal.Skip((int)checkpoint.Position).Where(e => e.TenantId == tenantId).Take(limit).ToList();
            if (events.Count == 0 && checkpoint.Position < _journal.Count)
            {
                // Nothing of this tenant after the checkpoint: a marker past the end lets the dispatcher move the checkpoint along.
                events = [new WebhookEvent(new WebhookCursor(0, _journal.Count), tenantId, "", 0, "", default, "{}")];
            }

            return Task.FromResult(events);
        }
    }

    public Task RecordAsync(string tenantId, string id, WebhookProgress progress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue((tenantId, id), out var entry))
            {
                return Task.CompletedTask;
            }

            entry.Checkpoint = progress.Checkpoint;
            entry.FailedAttempts = progress.FailedAttempts;
            entry.NextAttemptAt = progress.NextAttemptAt ?? DateTimeOffset.MinValue;
            if (progress.DisabledReason is not null)
            {
                entry.Subscription = entry.Subscription with { Status = WebhookStatus.Disabled, DisabledReason = progress.DisabledReason };
            }

            if (progress.Attempt is not null)
            {
                entry.Log.Add(progress.Attempt);
                if (entry.Log.Count > LogLimit)
                {
                    entry.Log.RemoveAt(0);
                }
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Entry(WebhookSubscription subscription, string secret)
    {
        public WebhookSubscription Subscription { get; set; } = subscription;
        public string Secret { get; set; } = secret;
        public string? PreviousSecret { get; set; }
        public WebhookCursor Checkpoint { get; set; }
        public int FailedAttempts { get; set; }
        public DateTimeOffset NextAttemptAt { get; set; } = DateTimeOffset.MinValue;
        public List<WebhookDeliveryAttempt> Log { get; } = [];
    }
}
