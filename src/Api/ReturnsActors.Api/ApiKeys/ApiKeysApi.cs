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
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Roles);

/// <summary>A new key. <paramref name="Key"/> is shown only in this response; it is stored hashed.</summary>
public sealed record CreatedApiKey(
    string KeyId, string TenantId, string Name, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, string? Key, string? Note);

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

        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantNotFound(tenantId);
        }

        var (keyId, secret, fullKey) = ApiKeyFormat.Generate();
        var result = await grains.GetGrain<ITenantApiKeysGrain>(tenantId)
            .CreateAsync(new IssueApiKey(keyId, tenantId, name, roles, ApiKeyFormat.HashSecret(secret)));
        if (result.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        var key = result.Key!;
        var created = new CreatedApiKey(key.KeyId, key.TenantId, key.Name, key.Roles, key.CreatedAt, fullKey, null);
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

        return TypedResults.Ok(await grains.GetGrain<ITenantApiKeysGrain>(tenantId).ListAsync());
    }

    private static async Task<Results<Ok<ApiKeyView>, ProblemHttpResult>> GetAsync(string tenantId, string keyId, IGrainFactory grains)
    {
        var keys = await grains.GetGrain<ITenantApiKeysGrain>(tenantId).ListAsync();
        return keys.FirstOrDefault(k => k.KeyId == keyId) is { } key
            ? TypedResults.Ok(key)
            : Rejection.NotFound("api_key.not_found", $"Key '{keyId}' does not exist.").ToProblem();
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
