using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>What a receiver did with one POST.</summary>
internal sealed record WebhookSendResult(int? StatusCode, string? Error, TimeSpan? RetryAfter)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>The typed client that POSTs signed deliveries. Its handler (<see cref="SsrfGuard"/>) never follows redirects and connects
/// only to public addresses, checked on the resolved address at connect time.</summary>
internal sealed class WebhookSender(HttpClient http, TimeProvider time)
{
    public async Task<WebhookSendResult> SendAsync(string url, string messageId, string body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        if (secrets.Count == 0)
        {
            return new WebhookSendResult(null, "The subscription's secret cannot be decrypted (its Data Protection key is gone): rotate the secret.", null);
        }

        using var request = SignedRequests.Post(url, messageId, body, secrets, time.GetUtcNow());

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var retryAfter = SignedRequests.RetryAfter(response, time.GetUtcNow());
            var error = status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => $"HTTP {status}: redirects are not followed",
                _ => $"HTTP {status}",
            };
            return new WebhookSendResult(status, error, retryAfter);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookSendResult(null, ex.InnerException?.Message is { } inner ? $"{ex.Message} {inner}" : ex.Message, null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookSendResult(null, "The receiver did not answer in time.", null);
        }
    }
}

/// <summary>Retry timing and limits of outbound deliveries (webhooks and connectors).</summary>
internal sealed record WebhookDeliveryOptions(TimeSpan RetryBase, TimeSpan RetryMax, TimeSpan Poll, int MaxAttempts = int.MaxValue,
    TimeSpan? DisableAfter = null, int Parallelism = 8)
{
    /// <summary>Retry-After for 429 and 503 (capped at the maximum), otherwise base * 2^(n-1) capped, with full jitter over its upper half.</summary>
    public TimeSpan Backoff(int failedAttempts, WebhookSendResult? result = null)
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

/// <summary>Delivers each subscription's events in log order, one at a time: the checkpoint moves past an event only after a 2xx (or
/// when the subscription does not want it, or when the event is dead-lettered after <c>MaxAttempts</c>). Failures are retried with
/// exponential backoff and jitter; 429 waits for Retry-After; 410, or failing for longer than <c>DisableAfter</c>, disables the
/// subscription. Queued replays of dead letters go first. Subscriptions are delivered concurrently (<see cref="KeyedWorkers{TKey}"/>).</summary>
internal sealed partial class WebhookDispatcher(
    IWebhookOutbox outbox, IServiceProvider services, WebhookDeliveryOptions options, TimeProvider time, ReturnsMetrics metrics,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = new KeyedWorkers<(string, string)>(options.Parallelism);
        var sender = services.GetRequiredService<WebhookSender>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var due in await outbox.DueAsync(time.GetUtcNow(), stoppingToken))
                {
                    await workers.StartAsync(due, ct => DeliverLeasedAsync(sender, due.TenantId, due.Id, ct), stoppingToken);
                }

                await Task.Delay(options.Poll, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogDispatchFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await workers.DrainAsync();
    }

    private async Task DeliverLeasedAsync(WebhookSender sender, string tenantId, string id, CancellationToken cancellationToken)
    {
        try
        {
            await using var lease = await outbox.ClaimAsync(tenantId, id, time.GetUtcNow(), cancellationToken);
            if (lease is not null)
            {
                await ReplayAsync(sender, lease.Target, cancellationToken);
                if (lease.Target.Due)
                {
                    await DeliverAsync(sender, lease.Target, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogDispatchFailed(ex);
        }
    }

    /// <summary>Queued replays: the stored payload with the same webhook-id, signed afresh. A failed replay goes back to <c>dead</c>.</summary>
    private async Task ReplayAsync(WebhookSender sender, WebhookTarget target, CancellationToken cancellationToken)
    {
        foreach (var (letter, payload) in await outbox.QueuedReplaysAsync(target.TenantId, target.Id, cancellationToken))
        {
            var result = await sender.SendAsync(target.Url, letter.EventId, payload, target.Secrets, cancellationToken);
            metrics.WebhookDelivery(result.Delivered);
            await outbox.RecordReplayAsync(target.TenantId, target.Id, new WebhookDeliveryAttempt(letter.EventId, letter.EventType, letter.RmaId,
                letter.Seq, letter.Attempts + 1, result.Delivered, result.StatusCode, result.Error, time.GetUtcNow(), null, Replay: true), cancellationToken);
        }
    }

    private async Task DeliverAsync(WebhookSender sender, WebhookTarget target, CancellationToken cancellationToken)
    {
        var checkpoint = target.Checkpoint;
        var failed = target.FailedAttempts;
        var failingSince = target.FailingSince;
        foreach (var e in await outbox.ReadAfterAsync(target.TenantId, checkpoint, BatchSize, cancellationToken))
        {
            if (!Matches(target.EventTypes, e.Type))
            {
                checkpoint = e.Position;
                continue;
            }

            var id = EventId(e);
            var payload = Payload(id, e);
            var result = await sender.SendAsync(target.Url, id, payload, target.Secrets, cancellationToken);
            metrics.WebhookDelivery(result.Delivered);
            var now = time.GetUtcNow();
            if (result.Delivered)
            {
                checkpoint = e.Position;
                failingSince = null;
                await outbox.RecordAsync(target.TenantId, target.Id,
                    new WebhookProgress(checkpoint, 0, null, null, null, Attempt(e, id, failed + 1, result, now, null)), cancellationToken);
                failed = 0;
                continue;
            }

            failed++;
            failingSince ??= now;
            var disabled = result.StatusCode == (int)HttpStatusCode.Gone ? "The receiver answered 410 Gone."
                : options.DisableAfter is { } limit && now - failingSince >= limit
                    ? $"Deliveries failed for {limit.TotalHours:0.##} hours without a success."
                    : null;
            if (disabled is null && failed >= options.MaxAttempts)
            {
                // Exhausted: park the event as a dead letter and move on to the next one.
                checkpoint = e.Position;
                await outbox.RecordAsync(target.TenantId, target.Id, new WebhookProgress(checkpoint, 0, null, failingSince, null,
                    Attempt(e, id, failed, result, now, null) with { DeadLettered = true }, payload), cancellationToken);
                metrics.DeadLetter("webhook");
                LogDeadLettered(target.Id, id, failed, result.Error);
                failed = 0;
                continue;
            }

            var next = disabled is null ? now + options.Backoff(failed, result) : (DateTimeOffset?)null;
            await outbox.RecordAsync(target.TenantId, target.Id,
                new WebhookProgress(checkpoint, failed, next, failingSince, disabled, Attempt(e, id, failed, result, now, next)), cancellationToken);
            LogDeliveryFailed(target.Id, id, failed, result.Error);
            return;
        }

        // Events the subscription does not want: only the checkpoint moves.
        if (checkpoint != target.Checkpoint)
        {
            await outbox.RecordAsync(target.TenantId, target.Id, new WebhookProgress(checkpoint, failed, null, failingSince, null, null), cancellationToken);
        }
    }

    internal static bool Matches(IReadOnlyList<string> patterns, string type) =>
        type.Length > 0 && patterns.Any(p => p == "*" || p == type || (p.EndsWith(".*", StringComparison.Ordinal)
            && type.StartsWith(p[..^1], StringComparison.Ordinal)));

    /// <summary>Stable per event, so a receiver can drop a redelivery: the same id for every attempt and every subscription.</summary>
    internal static string EventId(WebhookEvent e) =>
        "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{e.TenantId}/{e.RmaId}/{e.Seq}")))[..32];

    internal static string Payload(string id, WebhookEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", e.Type);
            json.WriteString("tenantId", e.TenantId);
            json.WriteString("rmaId", e.RmaId);
            json.WriteNumber("seq", e.Seq);
            json.WriteString("occurredAt", e.OccurredAt.ToString("O", CultureInfo.InvariantCulture));
            json.WritePropertyName("data");
            json.WriteRawValue(e.DataJson);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static WebhookDeliveryAttempt Attempt(WebhookEvent e, string id, int attempt, WebhookSendResult result, DateTimeOffset at, DateTimeOffset? next) =>
        new(id, e.Type, e.RmaId, e.Seq, attempt, result.Delivered, result.StatusCode, result.Error, at, next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch pass failed; retrying")]
    private partial void LogDispatchFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {SubscriptionId} event {EventId} attempt {Attempt} failed: {Error}")]
    private partial void LogDeliveryFailed(string subscriptionId, string eventId, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {SubscriptionId} event {EventId} dead-lettered after {Attempts} attempts: {Error}")]
    private partial void LogDeadLettered(string subscriptionId, string eventId, int attempts, string? error);
}
