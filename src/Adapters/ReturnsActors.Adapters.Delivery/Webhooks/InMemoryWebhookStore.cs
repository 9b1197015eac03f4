using ReturnsActors.Adapters.Delivery;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>A place in the event log: (log epoch, transaction id, position) in Cluster, as the projector reads it (the epoch rises when
/// the database moves to another PostgreSQL cluster, whose transaction ids start lower); (0, 0, index) in Embedded.</summary>
internal readonly record struct WebhookCursor(int Epoch, ulong Tx, long Position)
{
    /// <summary>As <c>GET /v1/connectors</c> shows it: <c>epoch:tx:position</c>.</summary>
    public override string ToString() => $"{Epoch}:{Tx}:{Position}";
}

/// <summary>An event of the log as the dispatcher sees it: its tenant, return and place in the log.</summary>
internal sealed record WebhookEvent(WebhookCursor Position, string TenantId, string RmaId, long Seq, string Type, DateTimeOffset OccurredAt, string DataJson);

/// <summary>A claimed subscription: where its checkpoint is, how often the event after it has failed, since when its deliveries have
/// been failing, and whether its next attempt is due (a queued replay is sent either way).</summary>
internal sealed record WebhookTarget(string TenantId, string Id, string Url, IReadOnlyList<string> EventTypes, IReadOnlyList<string> Secrets,
    WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset? FailingSince = null, bool Due = true);

/// <summary>What one delivery step did: the new checkpoint (moved only past delivered, unsubscribed or dead-lettered events), the
/// failures of the event after it, when to try again, the failing streak, whether the subscription is disabled, and the attempt for
/// the log. With <paramref name="DeadLetterPayload"/> the attempt's event is stored as a dead letter with that body.</summary>
internal sealed record WebhookProgress(WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset? NextAttemptAt, DateTimeOffset? FailingSince,
    string? DisabledReason, WebhookDeliveryAttempt? Attempt, string? DeadLetterPayload = null);

/// <summary>The dispatcher's side of the subscription store; it reads the tenant's log too (<see cref="IEventLogReader"/>).</summary>
internal interface IWebhookOutbox : IEventLogReader
{
    /// <summary>Active subscriptions whose next attempt is due.</summary>
    Task<IReadOnlyList<(string TenantId, string Id)>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Takes the subscription for one delivery pass (no other dispatcher delivers it until the lease is disposed) and reads it
    /// fresh; null when another dispatcher has it or it is no longer due.</summary>
    Task<WebhookLease?> ClaimAsync(string tenantId, string id, DateTimeOffset now, CancellationToken cancellationToken);

    Task RecordAsync(string tenantId, string id, WebhookProgress progress, CancellationToken cancellationToken);

    /// <summary>The subscription's dead letters queued for a replay, with the body to send.</summary>
    Task<IReadOnlyList<(WebhookDeadLetter Letter, string Payload)>> QueuedReplaysAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Logs a replay attempt; the dead letter becomes <c>replayed</c> when it was delivered, <c>dead</c> again otherwise.</summary>
    Task RecordReplayAsync(string tenantId, string id, WebhookDeliveryAttempt attempt, CancellationToken cancellationToken);
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
            _journal.Add(new WebhookEvent(new WebhookCursor(0, 0, _journal.Count + 1), tenantId, rmaId, e.Seq, e.Type, e.OccurredAt, e.DataJson));
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
            _subscriptions[(subscription.TenantId, subscription.Id)] = new Entry(subscription, secret) { Checkpoint = new WebhookCursor(0, 0, _journal.Count) };
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
                .Where(e => e.Subscription.Status == WebhookStatus.Active
                    && ((e.NextAttemptAt <= now && e.Checkpoint.Position < _journal.Count) || e.DeadLetters.Values.Any(d => d.Letter.Status == OutboundDeadLetterStatus.Queued)))
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
                    e.Checkpoint, e.FailedAttempts, e.FailingSince, e.NextAttemptAt <= now))
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
                events = [new WebhookEvent(new WebhookCursor(0, 0, _journal.Count), tenantId, "", 0, "", default, "{}")];
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
            entry.FailingSince = progress.FailingSince;
            if (progress is { DeadLetterPayload: { } payload, Attempt: { } a })
            {
                entry.DeadLetters[a.EventId] = (new WebhookDeadLetter(a.EventId, id, a.EventType, a.RmaId, a.Seq, a.Attempt, a.StatusCode, a.Error, a.At,
                    OutboundDeadLetterStatus.Dead, null), payload);
            }

            if (progress.DisabledReason is not null)
            {
                entry.Subscription = entry.Subscription with { Status = WebhookStatus.Disabled, DisabledReason = progress.DisabledReason };
            }

            if (progress.Attempt is not null)
            {
                entry.AddToLog(progress.Attempt);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookDeadLetter>?> ListDeadLettersAsync(string tenantId, string id, string? status, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<WebhookDeadLetter>? letters = _subscriptions.TryGetValue((tenantId, id), out var entry)
                ? entry.DeadLetters.Values.Select(d => d.Letter).Where(d => status is null || d.Status == status)
                    .OrderByDescending(d => d.DeadAt).Take(limit).ToList()
                : null;
            return Task.FromResult(letters);
        }
    }

    public Task<IReadOnlyList<WebhookDeadLetter>?> QueueReplayAsync(string tenantId, string id, string? eventId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue((tenantId, id), out var entry))
            {
                return Task.FromResult<IReadOnlyList<WebhookDeadLetter>?>(null);
            }

            var concerned = entry.DeadLetters.Where(d => eventId is null ? d.Value.Letter.Status == OutboundDeadLetterStatus.Dead : d.Key == eventId).ToList();
            var result = new List<WebhookDeadLetter>();
            foreach (var (key, (letter, payload)) in concerned)
            {
                var queued = letter.Status == OutboundDeadLetterStatus.Dead ? letter with { Status = OutboundDeadLetterStatus.Queued } : letter;
                entry.DeadLetters[key] = (queued, payload);
                result.Add(queued);
            }

            return Task.FromResult<IReadOnlyList<WebhookDeadLetter>?>(result);
        }
    }

    public Task<WebhookSubscription?> EnableAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue((tenantId, id), out var entry))
            {
                return Task.FromResult<WebhookSubscription?>(null);
            }

            entry.Subscription = entry.Subscription with { Status = WebhookStatus.Active, DisabledReason = null };
            entry.FailedAttempts = 0;
            entry.FailingSince = null;
            entry.NextAttemptAt = DateTimeOffset.MinValue;
            return Task.FromResult<WebhookSubscription?>(entry.Subscription);
        }
    }

    public Task<IReadOnlyList<(WebhookDeadLetter Letter, string Payload)>> QueuedReplaysAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<(WebhookDeadLetter, string)> queued = _subscriptions.TryGetValue((tenantId, id), out var entry)
                ? entry.DeadLetters.Values.Where(d => d.Letter.Status == OutboundDeadLetterStatus.Queued).OrderBy(d => d.Letter.DeadAt).ToList()
                : [];
            return Task.FromResult(queued);
        }
    }

    public Task RecordReplayAsync(string tenantId, string id, WebhookDeliveryAttempt attempt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_subscriptions.TryGetValue((tenantId, id), out var entry) && entry.DeadLetters.TryGetValue(attempt.EventId, out var dead))
            {
                entry.DeadLetters[attempt.EventId] = (attempt.Delivered
                    ? dead.Letter with { Status = OutboundDeadLetterStatus.Replayed, ReplayedAt = attempt.At, Attempts = attempt.Attempt }
                    : dead.Letter with { Status = OutboundDeadLetterStatus.Dead, Attempts = attempt.Attempt, StatusCode = attempt.StatusCode, Error = attempt.Error },
                    dead.Payload);
                entry.AddToLog(attempt);
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
        public DateTimeOffset? FailingSince { get; set; }
        public List<WebhookDeliveryAttempt> Log { get; } = [];
        public Dictionary<string, (WebhookDeadLetter Letter, string Payload)> DeadLetters { get; } = [];

        public void AddToLog(WebhookDeliveryAttempt attempt)
        {
            Log.Add(attempt);
            if (Log.Count > LogLimit)
            {
                Log.RemoveAt(0);
            }
        }
    }
}
