using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Problems;

namespace ReturnsActors.Api.Auth;

/// <summary>Named policies. Every tenant policy also checks the route's <c>{tenantId}</c> (when there is one)
/// against the caller's tenant, and another tenant's id answers 404, whatever the caller's roles.
/// A platform admin satisfies every policy.</summary>
public static class Policies
{
    public const string PlatformAdmin = "platform-admin";

    /// <summary>Any role of the tenant, viewer included: reading.</summary>
    public const string TenantMember = "tenant-member";

    /// <summary>The tenant's admin: keys, policies, settings.</summary>
    public const string TenantAdmin = "tenant-admin";

    /// <summary>admin or customer_service: creating and deciding returns.</summary>
    public const string CustomerService = "customer-service";

    /// <summary>admin or warehouse: receiving and inspecting.</summary>
    public const string Warehouse = "warehouse";

    /// <summary>admin or finance: settling refunds and credits.</summary>
    public const string Finance = "finance";

    /// <summary>admin or partner: partner systems posting events.</summary>
    public const string Partner = "partner";

    internal static AuthorizationBuilder AddReturnsPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(PlatformAdmin, p => p.RequireRole(Roles.PlatformAdmin))
        .AddPolicy(TenantMember, p => p.AddRequirements(new TenantRoleRequirement([.. Roles.TenantRoles])))
        .AddPolicy(TenantAdmin, p => p.AddRequirements(new TenantRoleRequirement([Roles.Admin])))
        .AddPolicy(CustomerService, p => p.AddRequirements(new TenantRoleRequirement([Roles.Admin, Roles.CustomerService])))
        .AddPolicy(Warehouse, p => p.AddRequirements(new TenantRoleRequirement([Roles.Admin, Roles.Warehouse])))
        .AddPolicy(Finance, p => p.AddRequirements(new TenantRoleRequirement([Roles.Admin, Roles.Finance])))
        .AddPolicy(Partner, p => p.AddRequirements(new TenantRoleRequirement([Roles.Admin, Roles.Partner])));
}

/// <summary>The caller belongs to the route's tenant (if the route names one) and has one of <see cref="Roles"/>.</summary>
internal sealed class TenantRoleRequirement(IReadOnlyList<string> roles) : IAuthorizationRequirement
{
    public const string RouteValue = "tenantId";
    public IReadOnlyList<string> Roles { get; } = roles;
}

internal sealed class TenantRoleHandler : AuthorizationHandler<TenantRoleRequirement>
{
    public const string OtherTenant = "other-tenant";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantRoleRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        if (user.IsPlatformAdmin())
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var http = context.Resource as HttpContext;
        var routeTenant = http?.GetRouteValue(TenantRoleRequirement.RouteValue) as string;
        if (user.GetTenantId() is null || (routeTenant is not null && routeTenant != user.GetTenantId()))
        {
            context.Fail(new AuthorizationFailureReason(this, OtherTenant));
            return Task.CompletedTask;
        }

        if (requirement.Roles.Any(user.IsInRole))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers refusals as problems: 401 without credentials, 403 for a missing role, and 404 for
/// another tenant's resource, so its existence is not revealed.</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden &&
            authorizeResult.AuthorizationFailure?.FailureReasons.Any(r => r.Message == TenantRoleHandler.OtherTenant) == true)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status404NotFound, "Not found.", null);
            return;
        }

        if (authorizeResult.Challenged || authorizeResult.Forbidden)
        {
            // Lets the scheme add WWW-Authenticate, then writes the body the status-code pages would not.
            await _default.HandleAsync(_ => Task.CompletedTask, context, policy, authorizeResult);
            var status = authorizeResult.Challenged ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            await ProblemWriter.WriteAsync(context, status,
                authorizeResult.Challenged ? "Authentication is required." : "Forbidden.",
                authorizeResult.Challenged
                    ? "Send a valid API key in X-Api-Key, or a bearer token in Authorization."
                    : "Your roles do not allow this operation.");
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
