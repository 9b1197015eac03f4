namespace ReturnsActors.Api.Webhooks;

/// <summary>A tenant's webhook subscription as the API shows it (never with its secret): id <c>whs_...</c>; event types exact,
/// <c>prefix.*</c> or <c>*</c>; status <c>active</c>, or <c>disabled</c> (the receiver answered 410); after a rotation the previous
/// secret still signs until <c>PreviousSecretExpiresAt</c>.</summary>
public sealed record WebhookSubscription(
    string Id, string TenantId, string Url, IReadOnlyList<string> EventTypes, string? Description, string Status, string? DisabledReason,
    DateTimeOffset CreatedAt, DateTimeOffset? SecretRotatedAt, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>One delivery attempt of one event to one subscription: the stable event id (the <c>webhook-id</c> header), the attempt
/// (1 for the first try of this event), the receiver's status if it answered, why it failed (no answer, a refused address, a
/// non-2xx status) and, after a failure, when the event is tried again.</summary>
public sealed record WebhookDeliveryAttempt(
    string EventId, string EventType, string RmaId, long Seq, int Attempt, bool Delivered, int? StatusCode, string? Error, DateTimeOffset At,
    DateTimeOffset? NextAttemptAt);

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
}

/// <summary>Settings the subscription endpoints need.</summary>
public sealed class WebhookApiOptions
{
    /// <summary>Loopback targets are accepted (tests and local development only).</summary>
    public bool AllowLoopback { get; init; }

    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    public TimeSpan RotationOverlap { get; init; } = TimeSpan.FromHours(24);
}
