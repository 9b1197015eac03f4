using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Orders;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenants;

namespace ReturnsActors.Api;

public static class ReturnsApi
{
    /// <summary>Authentication, authorization, problem details and OpenAPI for the <c>/v1</c> API.</summary>
    public static IServiceCollection AddReturnsApi(this IServiceCollection services, string? bootstrapAdminKey)
    {
        services.AddProblemDetails();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName,
                o => o.BootstrapAdminKey = bootstrapAdminKey);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.PlatformAdmin, p => p.RequireRole(Roles.PlatformAdmin))
            .AddRmaPolicies();
        services.AddOpenApi("v1");
        return services;
    }

    /// <summary>Maps every <c>/v1</c> resource and the OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapReturnsApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapTenants();
        app.MapRmas();
        app.MapOrders();
        return app;
    }
}
