using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Grains.ApiKeys;
using Microsoft.Extensions.DependencyInjection;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Tenants;

namespace ReturnsActors.Api.ApiKeys;

/// <summary>Creates a tenant API key.</summary>
/// <param name="Name">What people call the key, e.g. "WMS integration"; 1 to 100 characters.</param>
/// <param name="Roles">One or more of admin, customer_service, warehouse, finance, partner, viewer.</param>
/// <param name="Scopes">Optional: the actions (e.g. <c>rmas:read</c>, <c>claims:write</c>) or scope groups (<c>events:carrier</c>,
/// <c>events:warehouse</c>, <c>events:erp</c>) the key is limited to, within what its roles allow.</param>
/// <param name="ExpiresAt">Optional: when the key stops working (in the future, at most 2 years ahead).</param>
/// <param name="Carrier">Optional: the key acts only on returns whose label is with this carrier.</param>
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Roles, IReadOnlyList<string>? Scopes = null,
    DateTimeOffset? ExpiresAt = null, string? Carrier = null);

/// <summary>Gives a key a new secret; the old one keeps working for <paramref name="OverlapHours"/> (default 24, 0 to 720).</summary>
public sealed record RotateApiKeyRequest(int? OverlapHours);

/// <summary>A new key. <paramref name="Key"/> is shown only in this response; it is stored hashed.</summary>
public sealed record CreatedApiKey(
    string KeyId, string TenantId, string Name, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, string? Key, string? Note,
    IReadOnlyList<string>? Scopes = null, DateTimeOffset? ExpiresAt = null, string? Carrier = null, DateTimeOffset? PreviousValidUntil = null);

internal static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/tenants/{tenantId}/api-keys").WithTags("API keys").RequireAuthorization(Policies.TenantAdmin).ProducesCommonProblems();
        group.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Issue an API key (the key is shown once)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("List the tenant's API keys, without secrets");
        group.MapGet("/{keyId}", GetAsync).WithName("GetApiKey").WithSummary("Read one API key, without its secret");
        group.MapDelete("/{keyId}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key");
        group.MapPost("/{keyId}/rotate", RotateAsync).WithName("RotateApiKey")
            .WithSummary("A new secret for the key (shown once); the old one keeps working for the overlap");
        return group;
    }

    private static async Task<Results<Created<CreatedApiKey>, ProblemHttpResult>> CreateAsync(
        string tenantId, CreateApiKeyRequest request, IGrainFactory grains, HttpContext context)
    {
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 100)
        {
            return RejectionResults.Invalid("name", "Must be 1 to 100 characters.");
        }

        var roles = request.Roles?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (roles.Count == 0 || roles.Any(r => !Roles.TenantRoles.Contains(r)))
        {
            return RejectionResults.Invalid("roles", $"Give one or more of: {string.Join(", ", Roles.TenantRoles)}.");
        }

        var scopes = request.Scopes?.Select(sc => sc.Trim()).Distinct(StringComparer.Ordinal).ToList();
        if (scopes is not null && (scopes.Count == 0 || !Permissions.TryExpandScopes(scopes, out _, out _)))
        {
            return RejectionResults.Invalid("scopes", $"Give one or more actions ({string.Join(", ", Permissions.Table.Keys.Order(StringComparer.Ordinal))}) "
                + $"or scope groups ({string.Join(", ", Permissions.ScopeGroups.Keys)}).");
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (request.ExpiresAt is { } expiresAt && (expiresAt <= now || expiresAt > now.AddYears(2)))
        {
            return RejectionResults.Invalid("expiresAt", "Must be in the future and at most 2 years ahead.");
        }

        var carrier = request.Carrier?.Trim();
        if (carrier is not null && carrier.Length is 0 or > 64)
        {
            return RejectionResults.Invalid("carrier", "Must be 1 to 64 characters.");
        }

        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantNotFound(tenantId);
        }

        var (keyId, secret, fullKey) = ApiKeyFormat.Generate();
        var result = await grains.GetGrain<ITenantApiKeysGrain>(tenantId)
            .CreateAsync(new IssueApiKey(keyId, tenantId, name, roles, ApiKeyFormat.HashSecret(secret), scopes, request.ExpiresAt, carrier));
        if (result.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        var key = result.Key!;
        var created = new CreatedApiKey(key.KeyId, key.TenantId, key.Name, key.Roles, key.CreatedAt, fullKey, null, key.Scopes, key.ExpiresAt, key.Carrier);
        // A replay with the same Idempotency-Key answers with the key's id but not its secret, which is never stored.
        IdempotencyMiddleware.SetReplayBody(context, created with
        {
            Key = null,
            Note = "Replayed response: the key was shown once, when it was created, and is not stored.",
        });
        return TypedResults.Created($"/v1/tenants/{tenantId}/api-keys/{keyId}", created);
    }

    private static async Task<Results<Ok<IReadOnlyList<ApiKeyView>>, ProblemHttpResult>> ListAsync(string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantNotFound(tenantId);
        }

        var keys = await grains.GetGrain<ITenantApiKeysGrain>(tenantId).ListAsync();
        return TypedResults.Ok<IReadOnlyList<ApiKeyView>>(await Task.WhenAll(keys.Select(k => WithUsageAsync(grains, k))));
    }

    private static async Task<Results<Ok<ApiKeyView>, ProblemHttpResult>> GetAsync(string tenantId, string keyId, IGrainFactory grains)
    {
        var keys = await grains.GetGrain<ITenantApiKeysGrain>(tenantId).ListAsync();
        return keys.FirstOrDefault(k => k.KeyId == keyId) is { } key
            ? TypedResults.Ok(await WithUsageAsync(grains, key))
            : Rejection.NotFound("api_key.not_found", $"Key '{keyId}' does not exist.").ToProblem();
    }

    /// <summary>Last use and rotation live with the key's credential (written at most once a minute), not in the tenant's list.</summary>
    private static async Task<ApiKeyView> WithUsageAsync(IGrainFactory grains, ApiKeyView key)
    {
        var usage = await grains.GetGrain<IApiKeyGrain>(key.KeyId).GetUsageAsync();
        return key with { LastUsedAt = usage.LastUsedAt, RotatedAt = usage.RotatedAt, PreviousValidUntil = usage.PreviousValidUntil };
    }

    private static async Task<Results<Ok<CreatedApiKey>, ProblemHttpResult>> RotateAsync(
        string tenantId, string keyId, RotateApiKeyRequest request, IGrainFactory grains, HttpContext context)
    {
        if (request.OverlapHours is < 0 or > 720)
        {
            return RejectionResults.Invalid("overlapHours", "Must be 0 to 720.");
        }

        var keys = await grains.GetGrain<ITenantApiKeysGrain>(tenantId).ListAsync();
        if (keys.FirstOrDefault(k => k.KeyId == keyId) is not { } key)
        {
            return Rejection.NotFound("api_key.not_found", $"Key '{keyId}' does not exist.").ToProblem();
        }

        var (_, secret, _) = ApiKeyFormat.Generate();
        var previousValidUntil = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(request.OverlapHours ?? 24);
        if (await grains.GetGrain<IApiKeyGrain>(keyId).RotateAsync(ApiKeyFormat.HashSecret(secret), previousValidUntil) is { } rejection)
        {
            return rejection.ToProblem();
        }

        context.RequestServices.GetRequiredService<ApiKeyCache>().Evict(keyId);
        var rotated = new CreatedApiKey(key.KeyId, key.TenantId, key.Name, key.Roles, key.CreatedAt, ApiKeyFormat.Format(keyId, secret), null,
            key.Scopes, key.ExpiresAt, key.Carrier, previousValidUntil);
        IdempotencyMiddleware.SetReplayBody(context, rotated with
        {
            Key = null,
            Note = "Replayed response: the new key was shown once, when it was rotated, and is not stored.",
        });
        return TypedResults.Ok(rotated);
    }

    private static async Task<Results<Ok<ApiKeyView>, ProblemHttpResult>> RevokeAsync(
        string tenantId, string keyId, IGrainFactory grains, HttpContext context)
    {
        var result = await grains.GetGrain<ITenantApiKeysGrain>(tenantId).RevokeAsync(keyId);
        if (result.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        // This silo forgets the key now; other silos within their cache duration.
        context.RequestServices.GetRequiredService<ApiKeyCache>().Evict(keyId);
        return TypedResults.Ok(result.Key!);
    }

    private static ProblemHttpResult TenantNotFound(string tenantId) =>
        Rejection.NotFound("tenant.not_found", $"Tenant '{tenantId}' does not exist.").ToProblem();
}
