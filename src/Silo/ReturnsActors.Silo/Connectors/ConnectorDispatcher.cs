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

/// <summary>Where a (tenant, channel) has got to in its tenant's event log, how often the event after it has failed, and when to try again.</summary>
internal sealed record ConnectorProgress(WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset NextAttemptAt);

/// <summary>A claimed (tenant, channel): no other dispatcher works on it until this is disposed.</summary>
internal sealed class ConnectorLease(ConnectorProgress progress, Func<ValueTask>? release = null) : IAsyncDisposable
{
    public ConnectorProgress Progress => progress;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>The connectors' checkpoints, one per (tenant, channel).</summary>
internal interface IConnectorCheckpoints
{
    /// <summary>Tenants that have logged events.</summary>
    Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken);

    /// <summary>When the channel was first switched on: older events are skipped, so enabling it on a database with history does
    /// not mail customers about old returns.</summary>
    Task<DateTimeOffset> EnabledAtAsync(string channel, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Takes the (tenant, channel) for one pass; null when another dispatcher has it or its next attempt is not due.</summary>
    Task<ConnectorLease?> ClaimAsync(string tenantId, string channel, DateTimeOffset now, CancellationToken cancellationToken);

    Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken);
}

/// <summary>Embedded: checkpoints in memory, tenants from the webhook journal (nothing survives a restart, like the journal itself).</summary>
internal sealed class InMemoryConnectorCheckpoints(InMemoryWebhookStore journal) : IConnectorCheckpoints
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Channel), ConnectorProgress> _progress = [];

    public Task<IReadOnlyList<string>> TenantsAsync(CancellationToken cancellationToken) => Task.FromResult(journal.Tenants());

    public Task<DateTimeOffset> EnabledAtAsync(string channel, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(DateTimeOffset.MinValue);

    public Task<ConnectorLease?> ClaimAsync(string tenantId, string channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var progress = _progress.GetValueOrDefault((tenantId, channel)) ?? new ConnectorProgress(default, 0, DateTimeOffset.MinValue);
            return Task.FromResult(progress.NextAttemptAt > now ? null : new ConnectorLease(progress));
        }
    }

    public Task SaveAsync(string tenantId, string channel, ConnectorProgress progress, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _progress[(tenantId, channel)] = progress;
        }

        return Task.CompletedTask;
    }
}

/// <summary>Feeds each connector its tenants' events in log order, one at a time, with the webhook building blocks (the outbox's
/// log reader and the dispatcher's backoff): the checkpoint of a (tenant, channel) moves past an event only once it was sent (or
/// the channel does not want it); a failure holds that (tenant, channel) and is retried with exponential backoff and jitter.</summary>
internal sealed partial class ConnectorDispatcher(
    IEnumerable<IConnectorChannel> channels, IConnectorCheckpoints checkpoints, IWebhookOutbox outbox, WebhookDeliveryOptions options,
    TimeProvider time, ILogger<ConnectorDispatcher> logger) : BackgroundService
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
                        await PumpAsync(tenant, channel, stoppingToken);
                    }
                }

                await Task.Delay(options.Poll, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogPassFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task PumpAsync(string tenant, IConnectorChannel channel, CancellationToken cancellationToken)
    {
        await using var lease = await checkpoints.ClaimAsync(tenant, channel.Name, time.GetUtcNow(), cancellationToken);
        if (lease is null)
        {
            return;
        }

        var enabledAt = _enabledAt[channel.Name];
        var checkpoint = lease.Progress.Checkpoint;
        var failed = lease.Progress.FailedAttempts;
        var saved = checkpoint;
        foreach (var e in await outbox.ReadAfterAsync(tenant, checkpoint, BatchSize, cancellationToken))
        {
            if (channel.Wants(e.Type) && e.OccurredAt >= enabledAt)
            {
                var (sent, error) = await channel.SendAsync(e, cancellationToken);
                if (!sent)
                {
                    failed++;
                    await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, failed, time.GetUtcNow() + Backoff(failed)),
                        cancellationToken);
                    LogSendFailed(channel.Name, tenant, e.RmaId, e.Seq, failed, error);
                    return;
                }

                // Stored at once: after a restart this event is not sent again.
                failed = 0;
                checkpoint = e.Position;
                await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, 0, DateTimeOffset.MinValue), cancellationToken);
                saved = checkpoint;
                continue;
            }

            checkpoint = e.Position;
        }

        // Events the channel does not want: only the checkpoint moves.
        if (checkpoint != saved)
        {
            await checkpoints.SaveAsync(tenant, channel.Name, new ConnectorProgress(checkpoint, failed, DateTimeOffset.MinValue), cancellationToken);
        }
    }

    /// <summary>base * 2^(n-1) capped at the maximum, with full jitter over its upper half (as for webhooks).</summary>
    private TimeSpan Backoff(int failedAttempts)
    {
        var exponential = options.RetryBase.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var capped = Math.Min(exponential, options.RetryMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connector pass failed; retrying")]
    private partial void LogPassFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connector {Channel} tenant {TenantId} return {RmaId} seq {Seq} attempt {Attempt} failed: {Error}")]
    private partial void LogSendFailed(string channel, string tenantId, string rmaId, long seq, int attempt, string? error);
}
