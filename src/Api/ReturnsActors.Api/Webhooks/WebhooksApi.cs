using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;

namespace ReturnsActors.Api.Webhooks;

/// <summary>Subscribes to the tenant's return events.</summary>
/// <param name="Url">An absolute http(s) URL on a public address.</param>
/// <param name="EventTypes">Exact types (<c>return.authorized</c>), <c>prefix.*</c> patterns (<c>return.*</c>) or <c>*</c>; 1 to 50.</param>
/// <param name="Description">Optional, up to 200 characters.</param>
public sealed record CreateWebhookSubscriptionRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Description);

/// <summary>A subscription with its signing secret, shown only in this response.</summary>
public sealed record WebhookSubscriptionWithSecret(WebhookSubscription Subscription, string? Secret, string? Note);

/// <summary><c>/v1/webhook-subscriptions</c>: the tenant's outbound webhooks (tenant admin).</summary>
internal static partial class WebhooksApi
{
    private const string ReplayNote = "Replayed response: the secret was shown once and is not shown again; rotate it if it was lost.";

    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapEventsOutGroup("/v1/webhook-subscriptions");
        group.MapPost("/", CreateAsync).WithName("CreateWebhookSubscription").WithSummary("Subscribe a URL to event types (the whsec_ secret is shown once)");
        group.MapGet("/", ListAsync).WithName("ListWebhookSubscriptions").WithSummary("The tenant's subscriptions, without secrets");
        group.MapGet("/{id}", GetAsync).WithName("GetWebhookSubscription").WithSummary("One subscription, without its secret");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhookSubscription").WithSummary("Delete a subscription; nothing more is delivered to it");
        group.MapPost("/{id}/rotate-secret", RotateAsync).WithName("RotateWebhookSecret")
            .WithSummary("A new secret (shown once); the old one keeps signing as a second signature during the overlap window");
        group.MapGet("/{id}/deliveries", DeliveriesAsync).WithName("ListWebhookDeliveries").WithSummary("Delivery attempts, newest first");
        group.MapGet("/{id}/dead-letters", DeadLettersAsync).WithName("ListWebhookDeadLetters")
            .WithSummary("Events whose delivery failed Webhooks:MaxAttempts times, newest first (status=dead|queued|replayed)");
        group.MapPost("/{id}/dead-letters/{eventId}/replay", ReplayAsync).WithName("ReplayWebhookDeadLetter")
            .WithSummary("Queue one dead letter for redelivery with the same webhook-id and a fresh signature (202; a replayed one stays replayed)");
        group.MapPost("/{id}/dead-letters/replay", ReplayAllAsync).WithName("ReplayWebhookDeadLetters")
            .WithSummary("Queue every dead letter of the subscription for redelivery (202)");
        group.MapPost("/{id}/enable", EnableAsync).WithName("EnableWebhookSubscription")
            .WithSummary("Turn a disabled subscription on again; it carries on from its checkpoint");
        return group;
    }

    private static async Task<Results<Created<WebhookSubscriptionWithSecret>, ProblemHttpResult>> CreateAsync(CreateWebhookSubscriptionRequest request,
        HttpContext http, IWebhookSubscriptionStore store, WebhookApiOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (CheckUrl(request.Url, options.AllowLoopback) is { } urlProblem)
        {
            return RejectionResults.Invalid("url", urlProblem);
        }

        var types = request.EventTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (types.Count is 0 or > 50 || types.Any(t => t != "*" && !EventTypePattern().IsMatch(t)))
        {
            return RejectionResults.Invalid("eventTypes", "Give 1 to 50 event types: exact (return.authorized), a prefix pattern (return.*) or *.");
        }

        if (request.Description is { Length: > 200 })
        {
            return RejectionResults.Invalid("description", "At most 200 characters.");
        }

        var secret = StandardWebhookSigner.NewSecret();
        var subscription = new WebhookSubscription($"whs_{Guid.NewGuid():N}", tenant, request.Url!, types, request.Description, WebhookStatus.Active, null,
            time.GetUtcNow(), null, null);
        await store.CreateAsync(subscription, secret, cancellationToken);
        var created = new WebhookSubscriptionWithSecret(subscription, secret, null);
        IdempotencyMiddleware.SetReplayBody(http, created with { Secret = null, Note = ReplayNote });
        return TypedResults.Created($"/v1/webhook-subscriptions/{subscription.Id}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookSubscription>>, ProblemHttpResult>> ListAsync(HttpContext http,
        IWebhookSubscriptionStore store, CancellationToken cancellationToken) =>
        CallerTenant.Resolve(http) is { } tenant ? TypedResults.Ok(await store.ListAsync(tenant, cancellationToken)) : CallerTenant.Missing();

    private static async Task<Results<Ok<WebhookSubscription>, NotFound, ProblemHttpResult>> GetAsync(string id, HttpContext http,
        IWebhookSubscriptionStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return await store.GetAsync(tenant, id, cancellationToken) is { } subscription ? TypedResults.Ok(subscription) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAsync(string id, HttpContext http,
        IWebhookSubscriptionStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return await store.DeleteAsync(tenant, id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<WebhookSubscriptionWithSecret>, NotFound, ProblemHttpResult>> RotateAsync(string id, HttpContext http,
        IWebhookSubscriptionStore store, WebhookApiOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var secret = StandardWebhookSigner.NewSecret();
        if (await store.RotateSecretAsync(tenant, id, secret, time.GetUtcNow() + options.RotationOverlap, cancellationToken) is not { } subscription)
        {
            return TypedResults.NotFound();
        }

        var rotated = new WebhookSubscriptionWithSecret(subscription, secret, null);
        IdempotencyMiddleware.SetReplayBody(http, rotated with { Secret = null, Note = ReplayNote });
        return TypedResults.Ok(rotated);
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookDeliveryAttempt>>, NotFound, ProblemHttpResult>> DeliveriesAsync(string id,
        HttpContext http, IWebhookSubscriptionStore store, CancellationToken cancellationToken, int? limit = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (limit is < 1 or > 500)
        {
            return RejectionResults.Invalid("limit", "Must be between 1 and 500.");
        }

        return await store.ListDeliveriesAsync(tenant, id, limit ?? 100, cancellationToken) is { } attempts ? TypedResults.Ok(attempts) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookDeadLetter>>, NotFound, ProblemHttpResult>> DeadLettersAsync(string id,
        HttpContext http, IWebhookSubscriptionStore store, CancellationToken cancellationToken, string? status = null, int? limit = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (CheckDeadLetterQuery(status, limit) is { } problem)
        {
            return problem;
        }

        return await store.ListDeadLettersAsync(tenant, id, status, limit ?? 100, cancellationToken) is { } letters
            ? TypedResults.Ok(letters)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Accepted<WebhookDeadLetter>, NotFound, ProblemHttpResult>> ReplayAsync(string id, string eventId,
        HttpContext http, IWebhookSubscriptionStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await ActiveOrProblemAsync(store, tenant, id, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await store.QueueReplayAsync(tenant, id, eventId, cancellationToken) is [var letter]
            ? TypedResults.Accepted($"/v1/webhook-subscriptions/{id}/dead-letters", letter)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Accepted<ReplayResult<WebhookDeadLetter>>, NotFound, ProblemHttpResult>> ReplayAllAsync(string id,
        HttpContext http, IWebhookSubscriptionStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await ActiveOrProblemAsync(store, tenant, id, cancellationToken) is { } refused)
        {
            return refused;
        }

        return await store.QueueReplayAsync(tenant, id, null, cancellationToken) is { } letters
            ? TypedResults.Accepted($"/v1/webhook-subscriptions/{id}/dead-letters", new ReplayResult<WebhookDeadLetter>(letters.Count, letters))
            : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<WebhookSubscription>, NotFound, ProblemHttpResult>> EnableAsync(string id, HttpContext http,
        IWebhookSubscriptionStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return await store.EnableAsync(tenant, id, cancellationToken) is { } subscription ? TypedResults.Ok(subscription) : TypedResults.NotFound();
    }

    /// <summary>A group of the tenant admin's "Events out" endpoints (webhooks, connectors, notification templates).</summary>
    internal static RouteGroupBuilder MapEventsOutGroup(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).WithTags("Events out").RequireAuthorization(Actions.WebhooksAdmin).ProducesCommandProblems();

    /// <summary>A replay goes to an active subscription only: a disabled one is enabled first (409 says so); 404 when there is none.</summary>
    private static async Task<ProblemHttpResult?> ActiveOrProblemAsync(IWebhookSubscriptionStore store, string tenant, string id,
        CancellationToken cancellationToken) =>
        await store.GetAsync(tenant, id, cancellationToken) switch
        {
            null => Rejection.NotFound("not_found", "No such subscription.").ToProblem(),
            { Status: WebhookStatus.Disabled } => Rejection.Conflict("subscription_disabled",
                "The subscription is disabled; enable it (POST .../enable) before replaying.").ToProblem(),
            _ => null,
        };

    /// <summary>The <c>status</c> and <c>limit</c> of a dead-letter list (webhooks and connectors).</summary>
    internal static ProblemHttpResult? CheckDeadLetterQuery(string? status, int? limit) =>
        status is not null && !OutboundDeadLetterStatus.All.Contains(status) ? RejectionResults.Invalid("status", "Use dead, queued or replayed.")
        : limit is < 1 or > 500 ? RejectionResults.Invalid("limit", "Must be between 1 and 500.")
        : null;

    /// <summary>Refuses what is certainly not a public target. Host names are resolved and checked again at connect time by
    /// <see cref="SsrfGuard"/>, so a name that resolves (or later rebinds) to an internal address is refused there.</summary>
    internal static string? CheckUrl(string? url, bool allowLoopback)
    {
        if (url is null || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "Give an absolute http or https URL of at most 2000 characters.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "Credentials in the URL are not accepted.";
        }

        var host = uri.IdnHost.Trim('[', ']');
        if (IPAddress.TryParse(host, out var address) && SsrfGuard.IsForbidden(address, allowLoopback))
        {
            return $"{address} is a private, loopback, link-local or otherwise internal address.";
        }

        if (!allowLoopback && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)))
        {
            return "localhost is not a permitted target.";
        }

        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?$")]
    private static partial Regex EventTypePattern();
}

/// <summary>Subscription states.</summary>
public static class WebhookStatus
{
    public const string Active = "active";
    public const string Disabled = "disabled";
}
