using System.Security.Cryptography;
using System.Text;
using ReturnsActors.Api.Connectors;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains.Telemetry;
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
            return Task.FromResult(new ConnectorChannelStatus(channel, $"{p.Checkpoint.Tx}:{p.Checkpoint.Position}", p.FailedAttempts,
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

/// <summary>Feeds each connector its tenants' events in log order, one at a time, with the webhook building blocks (the outbox's
/// log reader and the delivery options' backoff): the checkpoint of a (tenant, channel) moves past an event only once it was sent
/// (or the channel does not want it, or it was dead-lettered after <c>MaxAttempts</c>); a failure holds that (tenant, channel) and is
/// retried with exponential backoff and jitter. (Tenant, channel) pairs run concurrently (<see cref="KeyedWorkers{TKey}"/>), so a slow
/// tenant holds back no other; queued replays of dead letters go first.</summary>
internal sealed partial class ConnectorDispatcher(
    IEnumerable<IConnectorChannel> channels, IConnectorCheckpoints checkpoints, IWebhookOutbox outbox, WebhookDeliveryOptions options,
    TimeProvider time, ReturnsMetrics metrics, ILogger<ConnectorDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 100;
    private readonly Dictionary<string, DateTimeOffset> _enabledAt = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var active = channels.ToList();
        if (active.Count == 0)
        {
            return;
        }

        var workers = new KeyedWorkers<(string, string)>(options.Parallelism);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var channel in active)
                {
                    if (!_enabledAt.ContainsKey(channel.Name))
                    {
                        _enabledAt[channel.Name] = await checkpoints.EnabledAtAsync(channel.Name, time.GetUtcNow(), stoppingToken);
                    }
                }

                foreach (var tenant in await checkpoints.TenantsAsync(stoppingToken))
                {
                    foreach (var channel in active)
                    {
                        var enabledAt = _enabledAt[channel.Name];
                        await workers.StartAsync((tenant, channel.Name), ct => PumpAsync(tenant, channel, enabledAt, ct), stoppingToken);
                    }
                }

                await Task.Delay(options.Poll, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogPassFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await workers.DrainAsync();
    }

    private async Task PumpAsync(string tenant, IConnectorChannel channel, DateTimeOffset enabledAt, CancellationToken cancellationToken)
    {
        try
        {
            await using var lease = await checkpoints.ClaimAsync(tenant, channel.Name, time.GetUtcNow(), cancellationToken);
            if (lease is null)
            {
                return;
            }

            foreach (var (letter, e) in await checkpoints.QueuedReplaysAsync(tenant, channel.Name, cancellationToken))
            {
                var (sent, error) = await SendOneAsync(channel, e, cancellationToken);
                await checkpoints.RecordReplayAsync(tenant, channel.Name, letter.Id, sent, error, time.GetUtcNow(), cancellationToken);
            }

            if (lease.Progress.Due)
            {
                await SendAsync(tenant, channel, enabledAt, lease.Progress, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogPassFailed(ex);
        }
    }

    /// <summary>A channel that throws fails that one send like any other failure (backoff, then a dead letter), instead of failing
    /// the pass before anything is recorded, which would retry the same event on every poll and hold back the ones after it.</summary>
    private static async Task<(bool Sent, string? Error)> SendOneAsync(IConnectorChannel channel, WebhookEvent e, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.SendAsync(e, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task SendAsync(string tenant, IConnectorChannel channel, DateTimeOffset enabledAt, ConnectorProgress progress, CancellationToken cancellationToken)
    {
        var checkpoint = progress.Checkpoint;
        var failed = progress.FailedAttempts;
        var lastError = progress.LastError;
        var saved = checkpoint;
        foreach (var e in await outbox.ReadAfterAsync(tenant, checkpoint, BatchSize, cancellationToken))
        {
            if (channel.Wants(e.Type) && e.OccurredAt >= enabledAt)
            {
                var (sent, error) = await SendOneAsync(channel, e, cancellationToken);
                if (!sent)
                {
                    failed++;
                    lastError = error;
                    var now = time.GetUtcNow();
                    if (failed >= options.MaxAttempts)
                    {
                        // Exhausted: park it and move on.
                        checkpoint = saved = e.Position;
                        await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, 0, DateTimeOffset.MinValue, error),
                            cancellationToken, new ConnectorDeadEvent(e, failed, error, now));
                        metrics.DeadLetter(channel.Name);
                        LogDeadLettered(channel.Name, tenant, e.RmaId, e.Seq, failed, error);
                        failed = 0;
                        continue;
                    }

                    await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, failed, now + options.Backoff(failed), error),
                        cancellationToken);
                    LogSendFailed(channel.Name, tenant, e.RmaId, e.Seq, failed, error);
                    return;
                }

                // Stored at once: after a restart this event is not sent again.
                failed = 0;
                lastError = null;
                checkpoint = saved = e.Position;
                await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, 0, DateTimeOffset.MinValue), cancellationToken);
                continue;
            }

            checkpoint = e.Position;
        }

        // Events the channel does not want: only the checkpoint moves.
        if (checkpoint != saved)
        {
            await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, failed, DateTimeOffset.MinValue, lastError), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector pass failed; retrying")]
    private partial void LogPassFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connector {Channel} tenant {TenantId} return {RmaId} seq {Seq} attempt {Attempt} failed: {Error}")]
    private partial void LogSendFailed(string channel, string tenantId, string rmaId, long seq, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector {Channel} tenant {TenantId} return {RmaId} seq {Seq} dead-lettered after {Attempts} attempts: {Error}")]
    private partial void LogDeadLettered(string channel, string tenantId, string rmaId, long seq, int attempts, string? error);
}
