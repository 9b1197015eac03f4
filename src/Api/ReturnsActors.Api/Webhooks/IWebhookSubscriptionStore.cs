namespace ReturnsActors.Api.Webhooks;

/// <summary>A tenant's webhook subscription as the API shows it (never with its secret): id <c>whs_...</c>; event types exact,
/// <c>prefix.*</c> or <c>*</c>; status <c>active</c>, or <c>disabled</c> (the receiver answered 410, or deliveries failed for longer than
/// <c>Webhooks:DisableAfterHours</c>; <c>POST .../enable</c> turns it on again); after a rotation the previous
/// secret still signs until <c>PreviousSecretExpiresAt</c>.</summary>
public sealed record WebhookSubscription(
    string Id, string TenantId, string Url, IReadOnlyList<string> EventTypes, string? Description, string Status, string? DisabledReason,
    DateTimeOffset CreatedAt, DateTimeOffset? SecretRotatedAt, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>One delivery attempt of one event to one subscription: the stable event id (the <c>webhook-id</c> header), the attempt
/// (1 for the first try of this event), the receiver's status if it answered, why it failed (no answer, a refused address, a
/// non-2xx status) and, after a failure, when the event is tried again. <c>DeadLettered</c>: this was the last attempt, the event
/// is parked as a dead letter and the subscription moved on; <c>Replay</c>: the attempt was a replay of a dead letter.</summary>
public sealed record WebhookDeliveryAttempt(
    string EventId, string EventType, string RmaId, long Seq, int Attempt, bool Delivered, int? StatusCode, string? Error, DateTimeOffset At,
    DateTimeOffset? NextAttemptAt, bool DeadLettered = false, bool Replay = false);

/// <summary>An event whose delivery failed <c>Webhooks:MaxAttempts</c> times, with the last answer. Known by its event id (the
/// <c>webhook-id</c> a replay is sent with again). Status <c>dead</c>, <c>queued</c> (a replay was asked for and waits for the
/// dispatcher) or <c>replayed</c> (the receiver accepted the replay).</summary>
public sealed record WebhookDeadLetter(
    string EventId, string SubscriptionId, string EventType, string RmaId, long Seq, int Attempts, int? StatusCode, string? Error,
    DateTimeOffset DeadAt, string Status, DateTimeOffset? ReplayedAt);

/// <summary>Dead-letter states (webhooks and connectors).</summary>
public static class OutboundDeadLetterStatus
{
    public const string Dead = "dead";
    public const string Queued = "queued";
    public const string Replayed = "replayed";

    public static readonly IReadOnlyList<string> All = [Dead, Queued, Replayed];
}

/// <summary>The subscriptions of each tenant and their delivery logs. Every call is scoped to one tenant: another tenant's id is not found.</summary>
public interface IWebhookSubscriptionStore
{
    Task CreateAsync(WebhookSubscription subscription, string secret, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookSubscription>> ListAsync(string tenantId, CancellationToken cancellationToken);

    Task<WebhookSubscription?> GetAsync(string tenantId, string id, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="secret"/> current; the old one keeps signing (as a second signature) until <paramref name="previousExpiresAt"/>.</summary>
    Task<WebhookSubscription?> RotateSecretAsync(string tenantId, string id, string secret, DateTimeOffset previousExpiresAt, CancellationToken cancellationToken);

    /// <summary>The newest attempts first; null when the subscription does not exist.</summary>
    Task<IReadOnlyList<WebhookDeliveryAttempt>?> ListDeliveriesAsync(string tenantId, string id, int limit, CancellationToken cancellationToken);

    /// <summary>The subscription's dead letters, newest first, optionally of one status; null when the subscription does not exist.</summary>
    Task<IReadOnlyList<WebhookDeadLetter>?> ListDeadLettersAsync(string tenantId, string id, string? status, int limit, CancellationToken cancellationToken);

    /// <summary>Queues a replay of the dead letter <paramref name="eventId"/> (or of every <c>dead</c> one when null): <c>dead</c> becomes
    /// <c>queued</c>, <c>queued</c> and <c>replayed</c> stay as they are. Returns the letters concerned (none when the one named does not
    /// exist); null when the subscription does not exist.</summary>
    Task<IReadOnlyList<WebhookDeadLetter>?> QueueReplayAsync(string tenantId, string id, string? eventId, CancellationToken cancellationToken);

    /// <summary>Turns a disabled subscription on again: it carries on from its checkpoint, with a clean failure count.</summary>
    Task<WebhookSubscription?> EnableAsync(string tenantId, string id, CancellationToken cancellationToken);
}

/// <summary>Settings the subscription endpoints need.</summary>
public sealed class WebhookApiOptions
{
    /// <summary>Loopback targets are accepted (tests and local development only).</summary>
    public bool AllowLoopback { get; init; }

    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    public TimeSpan RotationOverlap { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>The answer to a replay of all dead letters: how many were queued now, and those letters.</summary>
public sealed record ReplayResult<T>(int Queued, IReadOnlyList<T> DeadLetters);
