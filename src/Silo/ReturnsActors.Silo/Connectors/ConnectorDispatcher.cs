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

/// <summary>Where each (tenant, channel) has got to in its tenant's event log.</summary>
internal interface IConnectorCheckpoints
{
    /// <summary>Tenants that have logged events.</summary>
    IReadOnlyList<string> Tenants();

    WebhookCursor Get(string tenantId, string channel);

    void Set(string tenantId, string channel, WebhookCursor checkpoint);
}

/// <summary>Embedded: checkpoints in memory, tenants from the webhook journal (nothing survives a restart, like the journal itself).</summary>
internal sealed class InMemoryConnectorCheckpoints(InMemoryWebhookStore journal) : IConnectorCheckpoints
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Channel), WebhookCursor> _checkpoints = [];

    public IReadOnlyList<string> Tenants() => journal.Tenants();

    public WebhookCursor Get(string tenantId, string channel)
    {
        lock (_gate)
        {
            return _checkpoints.GetValueOrDefault((tenantId, channel));
        }
    }

    public void Set(string tenantId, string channel, WebhookCursor checkpoint)
    {
        lock (_gate)
        {
            _checkpoints[(tenantId, channel)] = checkpoint;
        }
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
    private readonly Dictionary<(string Tenant, string Channel), (int Failed, DateTimeOffset NextAt)> _failures = [];

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
                foreach (var tenant in checkpoints.Tenants())
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
        var key = (tenant, channel.Name);
        if (_failures.TryGetValue(key, out var failure) && failure.NextAt > time.GetUtcNow())
        {
            return;
        }

        var checkpoint = checkpoints.Get(tenant, channel.Name);
        foreach (var e in await outbox.ReadAfterAsync(tenant, checkpoint, BatchSize, cancellationToken))
        {
            if (channel.Wants(e.Type))
            {
                var (sent, error) = await channel.SendAsync(e, cancellationToken);
                if (!sent)
                {
                    var failed = failure.Failed + 1;
                    _failures[key] = (failed, time.GetUtcNow() + Backoff(failed));
                    LogSendFailed(channel.Name, tenant, e.RmaId, e.Seq, failed, error);
                    return;
                }

                _failures.Remove(key);
                failure = default;
            }

            checkpoint = e.Position;
            checkpoints.Set(tenant, channel.Name, checkpoint);
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
