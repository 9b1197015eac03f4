using ReturnsActors.Grains.Telemetry;
using ReturnsActors.Silo.Webhooks;

namespace ReturnsActors.Adapters.Delivery;

/// <summary>Retry timing and limits of outbound deliveries (webhooks and connectors).</summary>
internal sealed record WebhookDeliveryOptions(TimeSpan RetryBase, TimeSpan RetryMax, TimeSpan Poll, int MaxAttempts = int.MaxValue,
    TimeSpan? DisableAfter = null, int Parallelism = 8)
{
    /// <summary>Retry-After for 429 and 503 (capped at the maximum), otherwise base * 2^(n-1) capped, with full jitter over its upper half.</summary>
    public TimeSpan Backoff(int failedAttempts, DeliveryResult? result = null)
    {
        if (result is { StatusCode: 429 or 503, RetryAfter: { } retryAfter } && retryAfter > TimeSpan.Zero)
        {
            return retryAfter < RetryMax ? retryAfter : RetryMax;
        }

        var exponential = RetryBase.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var capped = Math.Min(exponential, RetryMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }
}

/// <summary>The tenant event log as log subscribers read it.</summary>
internal interface IEventLogReader
{
    /// <summary>The tenant's events after <paramref name="checkpoint"/>, in log order.</summary>
    Task<IReadOnlyList<WebhookEvent>> ReadAfterAsync(string tenantId, WebhookCursor checkpoint, int limit, CancellationToken cancellationToken);
}

/// <summary>What one send did: delivered (a 2xx, a mail accepted), or why not, with the HTTP status and Retry-After when there was one.</summary>
internal sealed record DeliveryResult(bool Delivered, string? Error, int? StatusCode = null, TimeSpan? RetryAfter = null);

/// <summary>Where a subscription is in its tenant's log: the checkpoint, the failures of the event after it, since when deliveries have been
/// failing, and the last error.</summary>
internal sealed record SubscriberProgress(WebhookCursor Checkpoint, int FailedAttempts, DateTimeOffset? FailingSince = null, string? LastError = null);

/// <summary>What a step of a pass did.</summary>
internal enum DeliveryStep
{
    /// <summary>The event was delivered; the checkpoint is past it.</summary>
    Delivered,

    /// <summary>The event failed; the checkpoint stays before it until <see cref="SubscriberStep.NextAttemptAt"/> (or, with a
    /// <see cref="SubscriberStep.StopReason"/>, until someone re-enables the subscription).</summary>
    Failed,

    /// <summary>The event failed <c>MaxAttempts</c> times: it is parked as a dead letter and the checkpoint is past it.</summary>
    DeadLettered,

    /// <summary>Only the checkpoint moved, past events the subscription does not want.</summary>
    Skipped,
}

/// <summary>One step to store: the progress after it, and for a send the event, its result and the attempt's number.</summary>
internal sealed record SubscriberStep(DeliveryStep Kind, SubscriberProgress Progress, DateTimeOffset At, WebhookEvent? Event = null,
    DeliveryResult? Result = null, int Attempt = 0, DateTimeOffset? NextAttemptAt = null, string? StopReason = null);

/// <summary>One claimed key (a webhook subscription, a connector's (tenant, channel)) for one pass: no other silo works on it until this
/// is disposed. What a delivery does is all that differs between subscribers; the engine owns order, checkpoints, retries and dead letters.</summary>
/// <typeparam name="TReplay">A dead letter queued for a replay, with what is needed to send it again.</typeparam>
internal interface ILogSubscription<TReplay> : IAsyncDisposable
{
    string TenantId { get; }

    /// <summary>Names the key in logs.</summary>
    string Key { get; }

    /// <summary>The dead-letter counter's kind (<c>returnsactors.outbound.dead_letters</c>).</summary>
    string DeadLetterKind { get; }

    SubscriberProgress Progress { get; }

    /// <summary>Whether the next attempt is due (queued replays are sent either way).</summary>
    bool Due { get; }

    bool Wants(WebhookEvent e);

    Task<DeliveryResult> SendAsync(WebhookEvent e, CancellationToken cancellationToken);

    /// <summary>Why the subscription stops after this failure instead of retrying; null to retry.</summary>
    string? StopReason(DeliveryResult result, SubscriberProgress progress, DateTimeOffset now);

    /// <summary>Stores a step; a dead-lettered step stores its dead letter in the same transaction.</summary>
    Task RecordAsync(SubscriberStep step, CancellationToken cancellationToken);

    /// <summary>Dead letters queued for a replay, oldest first.</summary>
    Task<IReadOnlyList<TReplay>> QueuedReplaysAsync(CancellationToken cancellationToken);

    Task<DeliveryResult> SendReplayAsync(TReplay replay, CancellationToken cancellationToken);

    /// <summary>A replay's outcome: the dead letter becomes <c>replayed</c> when delivered, <c>dead</c> again otherwise.</summary>
    Task RecordReplayAsync(TReplay replay, DeliveryResult result, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>One kind of log subscriber: which keys may have work, and how to claim one.</summary>
internal interface ILogSubscriber<TKey, TReplay> where TKey : notnull
{
    /// <summary>Names the subscriber in logs.</summary>
    string Name { get; }

    /// <summary>The keys to try on this poll.</summary>
    Task<IReadOnlyList<TKey>> KeysAsync(CancellationToken cancellationToken);

    /// <summary>Takes the key for one pass; null when another silo has it, or when it is not due and no replay is queued.</summary>
    Task<ILogSubscription<TReplay>?> ClaimAsync(TKey key, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>The one checkpointed log-subscriber engine behind webhooks and connectors. Every <c>Poll</c> it asks the subscriber for its keys
/// and runs each key's pass on a bounded pool (<see cref="KeyedWorkers{TKey}"/>, <c>Parallelism</c> at once, a key at most once at a time,
/// so a slow key holds back no other). A pass holds the key's lease (a PostgreSQL session lock in Cluster), sends queued replays first,
/// then, when due, the key's events in log order from its checkpoint: the checkpoint moves past an event only once it was delivered (or is
/// not wanted, or was dead-lettered after <c>MaxAttempts</c>); a failure holds the key and is retried with exponential backoff and jitter
/// (Retry-After for 429/503), unless the subscription says it stops.</summary>
internal sealed partial class LogSubscriberEngine(
    IEventLogReader log, WebhookDeliveryOptions options, TimeProvider time, ReturnsMetrics metrics, ILogger<LogSubscriberEngine> logger)
{
    private const int BatchSize = 100;

    /// <summary>Polls until <paramref name="stoppingToken"/> is cancelled, then waits for the passes under way.</summary>
    public async Task RunAsync<TKey, TReplay>(ILogSubscriber<TKey, TReplay> subscriber, CancellationToken stoppingToken) where TKey : notnull
    {
        var workers = new KeyedWorkers<TKey>(options.Parallelism);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var key in await subscriber.KeysAsync(stoppingToken))
                {
                    await workers.StartAsync(key, ct => PassAsync(subscriber, key, ct), stoppingToken);
                }

                await Task.Delay(options.Poll, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogPassFailed(subscriber.Name, ex);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await workers.DrainAsync();
    }

    private async Task PassAsync<TKey, TReplay>(ILogSubscriber<TKey, TReplay> subscriber, TKey key, CancellationToken cancellationToken)
        where TKey : notnull
    {
        try
        {
            await using var subscription = await subscriber.ClaimAsync(key, time.GetUtcNow(), cancellationToken);
            if (subscription is null)
            {
                return;
            }

            foreach (var replay in await subscription.QueuedReplaysAsync(cancellationToken))
            {
                var result = await SafelyAsync(ct => subscription.SendReplayAsync(replay, ct), cancellationToken);
                await subscription.RecordReplayAsync(replay, result, time.GetUtcNow(), cancellationToken);
            }

            if (subscription.Due)
            {
                await DeliverAsync(subscriber.Name, subscription, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogPassFailed(subscriber.Name, ex);
        }
    }

    private async Task DeliverAsync<TReplay>(string name, ILogSubscription<TReplay> subscription, CancellationToken cancellationToken)
    {
        var progress = subscription.Progress;
        var saved = progress.Checkpoint;
        foreach (var e in await log.ReadAfterAsync(subscription.TenantId, progress.Checkpoint, BatchSize, cancellationToken))
        {
            if (!subscription.Wants(e))
            {
                progress = progress with { Checkpoint = e.Position };
                continue;
            }

            var result = await SafelyAsync(ct => subscription.SendAsync(e, ct), cancellationToken);
            var now = time.GetUtcNow();
            if (result.Delivered)
            {
                // Stored at once: after a restart this event is not sent again.
                var attempt = progress.FailedAttempts + 1;
                progress = new SubscriberProgress(e.Position, 0);
                saved = e.Position;
                await subscription.RecordAsync(new SubscriberStep(DeliveryStep.Delivered, progress, now, e, result, attempt), cancellationToken);
                continue;
            }

            var failed = progress.FailedAttempts + 1;
            progress = progress with { FailedAttempts = failed, FailingSince = progress.FailingSince ?? now, LastError = result.Error };
            var stop = subscription.StopReason(result, progress, now);
            if (stop is null && failed >= options.MaxAttempts)
            {
                // Exhausted: park it and move on to the next event.
                progress = progress with { Checkpoint = e.Position, FailedAttempts = 0 };
                saved = e.Position;
                await subscription.RecordAsync(new SubscriberStep(DeliveryStep.DeadLettered, progress, now, e, result, failed), cancellationToken);
                metrics.DeadLetter(subscription.DeadLetterKind);
                LogDeadLettered(name, subscription.Key, e.RmaId, e.Seq, failed, result.Error);
                continue;
            }

            var next = stop is null ? now + options.Backoff(failed, result) : (DateTimeOffset?)null;
            await subscription.RecordAsync(new SubscriberStep(DeliveryStep.Failed, progress, now, e, result, failed, next, stop), cancellationToken);
            LogFailed(name, subscription.Key, e.RmaId, e.Seq, failed, result.Error);
            return;
        }

        // Events the subscription does not want: only the checkpoint moves.
        if (progress.Checkpoint != saved)
        {
            await subscription.RecordAsync(new SubscriberStep(DeliveryStep.Skipped, progress, time.GetUtcNow()), cancellationToken);
        }
    }

    /// <summary>A delivery that throws fails that one send like any other failure (backoff, then a dead letter), instead of failing the pass
    /// before anything is recorded, which would retry the same event on every poll and hold back the ones after it.</summary>
    private static async Task<DeliveryResult> SafelyAsync(Func<CancellationToken, Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Subscriber} pass failed; retrying")]
    private partial void LogPassFailed(string subscriber, Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Subscriber} {Key} return {RmaId} seq {Seq} attempt {Attempt} failed: {Error}")]
    private partial void LogFailed(string subscriber, string key, string rmaId, long seq, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Subscriber} {Key} return {RmaId} seq {Seq} dead-lettered after {Attempts} attempts: {Error}")]
    private partial void LogDeadLettered(string subscriber, string key, string rmaId, long seq, int attempts, string? error);
}
