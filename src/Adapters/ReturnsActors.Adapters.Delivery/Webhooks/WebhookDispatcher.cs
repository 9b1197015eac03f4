using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReturnsActors.Adapters.Delivery;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains.Telemetry;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>The typed client that POSTs signed deliveries. Its handler (<see cref="SsrfGuard"/>) never follows redirects and connects
/// only to public addresses, checked on the resolved address at connect time.</summary>
internal sealed class WebhookSender(HttpClient http, TimeProvider time)
{
    public async Task<DeliveryResult> SendAsync(string url, string messageId, string body, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        if (secrets.Count == 0)
        {
            return new DeliveryResult(false, "The subscription's secret cannot be decrypted (its Data Protection key is gone): rotate the secret.");
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
            return new DeliveryResult(status is >= 200 and < 300, error, status, retryAfter);
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryResult(false, ex.InnerException?.Message is { } inner ? $"{ex.Message} {inner}" : ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, "The receiver did not answer in time.");
        }
    }
}

/// <summary>Delivers each subscription's events in log order, one at a time, through the <see cref="LogSubscriberEngine"/>: a subscription
/// is a key; the checkpoint moves past an event only after a 2xx (or when the subscription does not want it, or when the event is
/// dead-lettered after <c>MaxAttempts</c>). 429 waits for Retry-After; 410, or failing for longer than <c>DisableAfter</c>, disables the
/// subscription. A replayed dead letter is its stored payload with the same webhook-id, signed afresh.</summary>
internal sealed class WebhookDispatcher(
    LogSubscriberEngine engine, IWebhookOutbox outbox, IServiceProvider services, WebhookDeliveryOptions options, TimeProvider time, ReturnsMetrics metrics)
    : BackgroundService, ILogSubscriber<(string TenantId, string Id), (WebhookDeadLetter Letter, string Payload)>
{
    public string Name => "Webhook";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => engine.RunAsync(this, stoppingToken);

    public Task<IReadOnlyList<(string TenantId, string Id)>> KeysAsync(CancellationToken cancellationToken) =>
        outbox.DueAsync(time.GetUtcNow(), cancellationToken);

    public async Task<ILogSubscription<(WebhookDeadLetter Letter, string Payload)>?> ClaimAsync((string TenantId, string Id) key, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await outbox.ClaimAsync(key.TenantId, key.Id, now, cancellationToken) is { } lease
            ? new Subscription(lease, outbox, services.GetRequiredService<WebhookSender>(), options, metrics)
            : null;

    private sealed class Subscription(WebhookLease lease, IWebhookOutbox outbox, WebhookSender sender, WebhookDeliveryOptions options,
        ReturnsMetrics metrics) : ILogSubscription<(WebhookDeadLetter Letter, string Payload)>
    {
        private WebhookTarget Target => lease.Target;

        public string TenantId => Target.TenantId;
        public string Key => Target.Id;
        public string DeadLetterKind => "webhook";
        public SubscriberProgress Progress => new(Target.Checkpoint, Target.FailedAttempts, Target.FailingSince);
        public bool Due => Target.Due;

        public bool Wants(WebhookEvent e) => Matches(Target.EventTypes, e.Type);

        public async Task<DeliveryResult> SendAsync(WebhookEvent e, CancellationToken cancellationToken)
        {
            var id = EventId(e);
            var result = await sender.SendAsync(Target.Url, id, Payload(id, e), Target.Secrets, cancellationToken);
            metrics.WebhookDelivery(result.Delivered);
            return result;
        }

        public string? StopReason(DeliveryResult result, SubscriberProgress progress, DateTimeOffset now) =>
            result.StatusCode == (int)HttpStatusCode.Gone ? "The receiver answered 410 Gone."
            : options.DisableAfter is { } limit && now - progress.FailingSince >= limit
                ? $"Deliveries failed for {limit.TotalHours:0.##} hours without a success."
                : null;

        public Task RecordAsync(SubscriberStep step, CancellationToken cancellationToken)
        {
            var p = step.Progress;
            var attempt = step.Event is { } e && step.Result is { } result
                ? new WebhookDeliveryAttempt(EventId(e), e.Type, e.RmaId, e.Seq, step.Attempt, result.Delivered, result.StatusCode, result.Error,
                    step.At, step.NextAttemptAt, DeadLettered: step.Kind == DeliveryStep.DeadLettered)
                : null;
            var deadLetterPayload = step is { Kind: DeliveryStep.DeadLettered, Event: { } dead } ? Payload(EventId(dead), dead) : null;
            return outbox.RecordAsync(TenantId, Target.Id, new WebhookProgress(p.Checkpoint, p.FailedAttempts, step.NextAttemptAt,
                p.FailingSince, step.StopReason, attempt, deadLetterPayload), cancellationToken);
        }

        public Task<IReadOnlyList<(WebhookDeadLetter Letter, string Payload)>> QueuedReplaysAsync(CancellationToken cancellationToken) =>
            outbox.QueuedReplaysAsync(TenantId, Target.Id, cancellationToken);

        public async Task<DeliveryResult> SendReplayAsync((WebhookDeadLetter Letter, string Payload) replay, CancellationToken cancellationToken)
        {
            var result = await sender.SendAsync(Target.Url, replay.Letter.EventId, replay.Payload, Target.Secrets, cancellationToken);
            metrics.WebhookDelivery(result.Delivered);
            return result;
        }

        public Task RecordReplayAsync((WebhookDeadLetter Letter, string Payload) replay, DeliveryResult result, DateTimeOffset at,
            CancellationToken cancellationToken)
        {
            var letter = replay.Letter;
            return outbox.RecordReplayAsync(TenantId, Target.Id, new WebhookDeliveryAttempt(letter.EventId, letter.EventType, letter.RmaId,
                letter.Seq, letter.Attempts + 1, result.Delivered, result.StatusCode, result.Error, at, null, Replay: true), cancellationToken);
        }

        public ValueTask DisposeAsync() => lease.DisposeAsync();
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
}
