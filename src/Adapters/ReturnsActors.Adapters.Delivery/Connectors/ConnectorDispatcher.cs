using System.Security.Cryptography;
using System.Text;
using ReturnsActors.Adapters.Delivery;
using ReturnsActors.Api.Connectors;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Silo.Connectors;

/// <summary>One outbound connector (email, ERP, ...): which events it acts on and how it sends one.</summary>
internal interface IConnectorChannel
{
    /// <summary>Stable name, part of the checkpoint key and of the idempotency key.</summary>
    string Name { get; }

    bool Wants(string eventType);

    /// <summary>Sends one event; true when the other side accepted it (the checkpoint then moves past it).</summary>
    Task<(bool Sent, string? Error)> SendAsync(WebhookEvent e, CancellationToken cancellationToken);
}

/// <summary>Where a (tenant, channel) has got to in its tenant's event log, how often the event after it has failed, when to try again,
/// the last error, and (when claimed) whether the next attempt is due.</summary>
internal sealed record ConnectorProgress(WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset NextAttemptAt, string? LastError = null, bool Due = true);

/// <summary>An event a channel gave up on after <paramref name="Attempts"/> attempts.</summary>
internal sealed record ConnectorDeadEvent(WebhookEvent Event, int Attempts, string? Error, DateTimeOffset At)
{
    /// <summary>Stable per (tenant, return, seq, channel).</summary>
    public static string IdOf(string tenantId, string rmaId, long seq, string channel) =>
        "cdl_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}/{rmaId}/{seq}/{channel}")))[..24];
}

/// <summary>A claimed (tenant, channel): no other dispatcher works on it until this is disposed.</summary>
internal sealed class ConnectorLease(ConnectorProgress progress, Func<ValueTask>? release = null) : IAsyncDisposable
{
    public ConnectorProgress Progress => progress;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>The connectors' checkpoints, one per (tenant, channel), and their dead letters.</summary>
internal interface IConnectorCheckpoints : IConnectorDeliveryStore
{
    /// <summary>Tenants that have logged events.</summary>
    Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken);

    /// <summary>When the channel was first switched on: older events are skipped, so enabling it on a database with history does
    /// not mail customers about old returns.</summary>
    Task<DateTimeOffset> EnabledAtAsync(string channel, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Takes the (tenant, channel) for one pass; null when another dispatcher has it, or when its next attempt is not due and no
    /// replay is queued.</summary>
    Task<ConnectorLease?> ClaimAsync(string tenantId, string channel, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores the progress, and with <paramref name="deadLetter"/> parks that event as a dead letter in the same transaction.</summary>
    Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken, ConnectorDeadEvent? deadLetter = null);

    /// <summary>Dead letters queued for a replay, oldest first.</summary>
    Task<IReadOnlyList<(ConnectorDeadLetter Letter, WebhookEvent Event)>> QueuedReplaysAsync(string tenantId, string channel, CancellationToken cancellationToken);

    /// <summary>A replay's outcome: <c>replayed</c> when sent, <c>dead</c> again with the error otherwise.</summary>
    Task RecordReplayAsync(string tenantId, string channel, string id, bool sent, string? error, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>Embedded: checkpoints and dead letters in memory, tenants from the webhook journal (nothing survives a restart, like the
/// journal itself).</summary>
internal sealed class InMemoryConnectorCheckpoints(InMemoryWebhookStore journal) : IConnectorCheckpoints
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Channel), ConnectorProgress> _progress = [];
    private readonly Dictionary<(string Tenant, string Channel, string Id), (ConnectorDeadLetter Letter, WebhookEvent Event)> _dead = [];

    public Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken) => Task.FromResult(journal.Tenants());

    public Task<DateTimeOffset> EnabledAtAsync(string channel, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(DateTimeOffset.MinValue);

    public Task<ConnectorLease?> ClaimAsync(string tenantId, string channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var progress = Progress(tenantId, channel) with { Due = Progress(tenantId, channel).NextAttemptAt <= now };
            var queued = Letters(tenantId, channel).Any(d => d.Letter.Status == OutboundDeadLetterStatus.Queued);
            return Task.FromResult(progress.Due || queued ? new ConnectorLease(progress) : null);
        }
    }

    public Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken, ConnectorDeadEvent? deadLetter = null)
    {
        lock (_gate)
        {
            _progress[(tenantId, channel)] = progress;
            if (deadLetter is { Event: var e })
            {
                var id = ConnectorDeadEvent.IdOf(tenantId, e.RmaId, e.Seq, channel);
                _dead[(tenantId, channel, id)] = (new ConnectorDeadLetter(id, channel, e.Type, e.RmaId, e.Seq, deadLetter.Attempts, deadLetter.Error,
                    deadLetter.At, OutboundDeadLetterStatus.Dead, null), e);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(ConnectorDeadLetter Letter, WebhookEvent Event)>> QueuedReplaysAsync(string tenantId, string channel,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<(ConnectorDeadLetter, WebhookEvent)> queued =
                Letters(tenantId, channel).Where(d => d.Letter.Status == OutboundDeadLetterStatus.Queued).OrderBy(d => d.Letter.DeadAt).ToList();
            return Task.FromResult(queued);
        }
    }

    public Task RecordReplayAsync(string tenantId, string channel, string id, bool sent, string? error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_dead.TryGetValue((tenantId, channel, id), out var dead))
            {
                var attempts = dead.Letter.Attempts + 1;
                _dead[(tenantId, channel, id)] = (sent
                    ? dead.Letter with { Status = OutboundDeadLetterStatus.Replayed, ReplayedAt = at, Attempts = attempts }
                    : dead.Letter with { Status = OutboundDeadLetterStatus.Dead, Attempts = attempts, Error = error }, dead.Event);
            }
        }

        return Task.CompletedTask;
    }

    public Task<ConnectorChannelStatus> StatusAsync(string tenantId, string channel, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var p = Progress(tenantId, channel);
            return Task.FromResult(new ConnectorChannelStatus(channel, p.Checkpoint.ToString(), p.FailedAttempts,
                p.NextAttemptAt == DateTimeOffset.MinValue ? null : p.NextAttemptAt, p.LastError,
                Letters(tenantId, channel).Count(d => d.Letter.Status != OutboundDeadLetterStatus.Replayed)));
        }
    }

    public Task<IReadOnlyList<ConnectorDeadLetter>> ListDeadLettersAsync(string tenantId, string channel, string? status, int limit,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<ConnectorDeadLetter> letters = Letters(tenantId, channel).Select(d => d.Letter).Where(d => status is null || d.Status == status)
                .OrderByDescending(d => d.DeadAt).Take(limit).ToList();
            return Task.FromResult(letters);
        }
    }

    public Task<IReadOnlyList<ConnectorDeadLetter>> QueueReplayAsync(string tenantId, string channel, string? id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var result = new List<ConnectorDeadLetter>();
            foreach (var (letter, e) in Letters(tenantId, channel)
                .Where(d => id is null ? d.Letter.Status == OutboundDeadLetterStatus.Dead : d.Letter.Id == id).ToList())
            {
                var queued = letter.Status == OutboundDeadLetterStatus.Dead ? letter with { Status = OutboundDeadLetterStatus.Queued } : letter;
                _dead[(tenantId, channel, letter.Id)] = (queued, e);
                result.Add(queued);
            }

            return Task.FromResult<IReadOnlyList<ConnectorDeadLetter>>(result);
        }
    }

    private ConnectorProgress Progress(string tenantId, string channel) =>
        _progress.GetValueOrDefault((tenantId, channel)) ?? new ConnectorProgress(default, 0, DateTimeOffset.MinValue);

    private IEnumerable<(ConnectorDeadLetter Letter, WebhookEvent Event)> Letters(string tenantId, string channel) =>
        _dead.Where(d => d.Key.Tenant == tenantId && d.Key.Channel == channel).Select(d => d.Value);
}

/// <summary>A connector's key: one tenant's log for one channel, which skips events older than <paramref name="EnabledAt"/>.</summary>
internal sealed record ConnectorKey(string Tenant, IConnectorChannel Channel, DateTimeOffset EnabledAt);

/// <summary>Feeds each connector its tenants' events through the <see cref="LogSubscriberEngine"/>: a (tenant, channel) is a key, so a
/// slow tenant holds back no other; its checkpoint moves past an event only once it was sent (or the channel does not want it, or it
/// was dead-lettered after <c>MaxAttempts</c>). Events older than the channel's first start are skipped.</summary>
internal sealed class ConnectorDispatcher(
    LogSubscriberEngine engine, IEnumerable<IConnectorChannel> channels, IConnectorCheckpoints checkpoints, TimeProvider time)
    : BackgroundService, ILogSubscriber<ConnectorKey, (ConnectorDeadLetter Letter, WebhookEvent Event)>
{
    private readonly List<IConnectorChannel> _active = channels.ToList();
    private readonly Dictionary<string, DateTimeOffset> _enabledAt = [];

    public string Name => "Connector";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _active.Count == 0 ? Task.CompletedTask : engine.RunAsync(this, stoppingToken);

    public async Task<IReadOnlyList<ConnectorKey>> KeysAsync(CancellationToken cancellationToken)
    {
        foreach (var channel in _active)
        {
            if (!_enabledAt.ContainsKey(channel.Name))
            {
                _enabledAt[channel.Name] = await checkpoints.EnabledAtAsync(channel.Name, time.GetUtcNow(), cancellationToken);
            }
        }

        return (await checkpoints.TenantsAsync(cancellationToken)).SelectMany(tenant => _active.Select(channel => new ConnectorKey(tenant, channel, _enabledAt[channel.Name]))).ToList();
    }

    public async Task<ILogSubscription<(ConnectorDeadLetter Letter, WebhookEvent Event)>?> ClaimAsync(ConnectorKey key,
        DateTimeOffset now, CancellationToken cancellationToken) =>
        await checkpoints.ClaimAsync(key.Tenant, key.Channel.Name, now, cancellationToken) is { } lease
            ? new Subscription(key.Tenant, key.Channel, key.EnabledAt, lease, checkpoints)
            : null;

    private sealed class Subscription(string tenant, IConnectorChannel channel, DateTimeOffset enabledAt, ConnectorLease lease,
        IConnectorCheckpoints checkpoints) : ILogSubscription<(ConnectorDeadLetter Letter, WebhookEvent Event)>
    {
        public string TenantId => tenant;
        public string Key => $"{channel.Name} tenant {tenant}";
        public string DeadLetterKind => channel.Name;
        public SubscriberProgress Progress => new(lease.Progress.Checkpoint, lease.Progress.FailedAttempts, LastError: lease.Progress.LastError);
        public bool Due => lease.Progress.Due;

        public bool Wants(WebhookEvent e) => channel.Wants(e.Type) && e.OccurredAt >= enabledAt;

        public Task<DeliveryResult> SendAsync(WebhookEvent e, CancellationToken cancellationToken) => SendOneAsync(e, cancellationToken);

        public string? StopReason(DeliveryResult result, SubscriberProgress progress, DateTimeOffset now) => null;

        public Task RecordAsync(SubscriberStep step, CancellationToken cancellationToken)
        {
            var p = step.Progress;
            var next = step.NextAttemptAt ?? DateTimeOffset.MinValue;
            return checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(p.Checkpoint, p.FailedAttempts, next, p.LastError), cancellationToken,
                step is { Kind: DeliveryStep.DeadLettered, Event: { } e } ? new ConnectorDeadEvent(e, step.Attempt, p.LastError, step.At) : null);
        }

        public Task<IReadOnlyList<(ConnectorDeadLetter Letter, WebhookEvent Event)>> QueuedReplaysAsync(CancellationToken cancellationToken) =>
            checkpoints.QueuedReplaysAsync(tenant, channel.Name, cancellationToken);

        public Task<DeliveryResult> SendReplayAsync((ConnectorDeadLetter Letter, WebhookEvent Event) replay, CancellationToken cancellationToken) =>
            SendOneAsync(replay.Event, cancellationToken);

        public Task RecordReplayAsync((ConnectorDeadLetter Letter, WebhookEvent Event) replay, DeliveryResult result, DateTimeOffset at,
            CancellationToken cancellationToken) =>
            checkpoints.RecordReplayAsync(tenant, channel.Name, replay.Letter.Id, result.Delivered, result.Error, at, cancellationToken);

        public ValueTask DisposeAsync() => lease.DisposeAsync();

        private async Task<DeliveryResult> SendOneAsync(WebhookEvent e, CancellationToken cancellationToken)
        {
            var (sent, error) = await channel.SendAsync(e, cancellationToken);
            return new DeliveryResult(sent, error);
        }
    }
}
