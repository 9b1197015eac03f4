using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Grains.Tenants;

namespace ReturnsActors.Api.Tenants;

/// <summary>Creates a tenant.</summary>
/// <param name="TenantId">Lower-case letters, digits and dashes, 2 to 63 characters.</param>
/// <param name="DisplayName">What people see.</param>
public sealed record CreateTenantRequest(string? TenantId, string? DisplayName);

internal static partial class TenantsApi
{
    public static RouteGroupBuilder MapTenants(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/tenants").WithTags("Tenants").ProducesCommonProblems();
        group.MapPost("/", CreateAsync).WithName("CreateTenant").WithSummary("Register a tenant (platform admin)")
            .RequireAuthorization(Policies.PlatformAdmin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/{tenantId}", GetAsync).WithName("GetTenant").WithSummary("Read a tenant (platform admin, or any role of that tenant)")
            .RequireAuthorization(Policies.TenantMember);
        return group;
    }

    private static async Task<Results<Created<TenantView>, Ok<TenantView>, ProblemHttpResult>> CreateAsync(
        CreateTenantRequest request, IGrainFactory grains)
    {
        if (request.TenantId is null || !TenantId().IsMatch(request.TenantId))
        {
            return RejectionResults.Invalid("tenantId", "Use 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit.");
        }

        var result = await grains.GetGrain<ITenantGrain>(request.TenantId).RegisterAsync(new RegisterTenant(request.DisplayName ?? ""));
        if (result.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        return result.Created
            ? TypedResults.Created($"/v1/tenants/{request.TenantId}", result.Tenant!)
            : TypedResults.Ok(result.Tenant!);
    }

    private static async Task<Results<Ok<TenantView>, NotFound>> GetAsync(string tenantId, IGrainFactory grains)
    {
        if (!TenantId().IsMatch(tenantId))
        {
            return TypedResults.NotFound();
        }

        var tenant = await grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        return tenant is null ? TypedResults.NotFound() : TypedResults.Ok(tenant);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,62}$")]
    private static partial Regex TenantId();
}
