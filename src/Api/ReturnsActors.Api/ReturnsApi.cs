using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using ReturnsActors.Api.Advisory;
using ReturnsActors.Api.ApiKeys;
using ReturnsActors.Api.Audit;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.Kpis;
using ReturnsActors.Api.Ingest;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Orders;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.ReturnPolicies;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Suppliers;
using ReturnsActors.Api.Tasks;
using ReturnsActors.Api.Tenants;
using ReturnsActors.Api.Warehouses;
using ReturnsActors.Api.Connectors;
using ReturnsActors.Api.Notifications;
using ReturnsActors.Api.Webhooks;

namespace ReturnsActors.Api;

public static class ReturnsApi
{
    /// <summary>Picks the API-key or the bearer scheme from the request's headers.</summary>
    public const string DefaultScheme = "ApiKeyOrBearer";

    /// <summary>Authentication, authorization, rate limits, idempotency, problem details and OpenAPI for the <c>/v1</c> API.
    /// Register an <see cref="IIdempotencyStore"/> first to keep keys durably; otherwise they are kept in memory.</summary>
    public static IServiceCollection AddReturnsApi(this IServiceCollection services, ReturnsApiOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<AdvisoryModels>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Malformed JSON throws, so the exception handler can say what was wrong instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IIdempotencyStore, InMemoryIdempotencyStore>();
        services.AddHostedService<IdempotencyCleanup>();
        services.AddMemoryCache();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ReturnsActors.Api.Advisory.ReturnAdvice>();

        var authentication = services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "API key or bearer token", o => o.ForwardDefaultSelector = context =>
                options.Jwt.Enabled && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName,
                o => o.BootstrapAdminKey = options.BootstrapAdminKey);
        if (options.Jwt.Enabled)
        {
            authentication.AddJwtBearer(o =>
            {
                // Keep "sub", "tenant" and "role" as they are in the token, the same claim types API keys issue.
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Jwt.Issuer,
                    ValidAudience = options.Jwt.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Jwt.SigningKey!)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = ReturnsClaims.Subject,
                    RoleClaimType = ReturnsClaims.Role,
                };
            });
        }

        services.AddAuthorizationBuilder().AddReturnsPolicies().AddPermissionPolicies();
        services.AddSingleton<IAuthorizationHandler, TenantRoleHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddReturnsRateLimits(options);
        services.AddReturnsOpenApi();
        services.AddReturnsIngest();
        services.AddAccessAudit();
        return services;
    }

    /// <summary>The request pipeline of the API, in order: body size, authentication, access audit, rate limit, authorization, idempotency.
    /// Call after <c>UseExceptionHandler</c> and <c>UseStatusCodePages</c>.</summary>
    public static IApplicationBuilder UseReturnsApi(this IApplicationBuilder app)
    {
        app.Use(RejectOversizedBodies);
        app.UseAuthentication();
        app.UseAccessAudit();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<IdempotencyMiddleware>();
        return app;
    }

    /// <summary>Maps every <c>/v1</c> resource, the OpenAPI document and the <c>/docs</c> reference.</summary>
    public static IEndpointRouteBuilder MapReturnsApi(this IEndpointRouteBuilder app)
    {
        app.MapReturnsOpenApi();
        app.MapTenants();
        app.MapApiKeys();
        app.MapRmas();
        app.MapOrders();
        app.MapTasks();
        app.MapPolicies();
        app.MapAdvisory();
        app.MapWarehouses();
        app.MapSuppliers();
        app.MapKpis();
        app.MapIngest();
        app.MapAccessAudit();
        if (app.ServiceProvider.GetService<IWebhookSubscriptionStore>() is not null)
        {
            // Only where the host wires a subscription store (the silo does, in both profiles).
            app.MapWebhooks();
        }

        if (app.ServiceProvider.GetService<IConnectorDeliveryStore>() is not null)
        {
            app.MapConnectors();
        }

        if (app.ServiceProvider.GetService<INotificationTemplateStore>() is not null)
        {
            app.MapNotificationTemplates();
        }

        return app;
    }

    private static void AddReturnsRateLimits(this IServiceCollection services, ReturnsApiOptions options) =>
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!context.Request.Path.StartsWithSegments("/v1"))
                {
                    return RateLimitPartition.GetNoLimiter("");
                }

                // Per tenant, so one tenant cannot starve another; callers without a tenant (platform admins,
                // failed authentication) each get their own bucket.
                var partition = context.User.GetCallerScope() ?? $"ip:{context.Connection.RemoteIpAddress}";
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.RateLimitBurst,
                    TokensPerPeriod = options.RateLimitPermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ProblemWriter.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests.",
                    $"This tenant's rate limit is {options.RateLimitPermitsPerSecond} requests per second (bursts of {options.RateLimitBurst}). Retry after {seconds} s.");
            };
        });

    private static async Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        // Kestrel enforces the limit while the body is read; a declared length over it is refused before any work.
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is { } max && context.Request.ContentLength > max)
        {
            await ProblemWriter.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"The body is {context.Request.ContentLength} bytes; this API accepts at most {max}.");
            return;
        }

        await next(context);
    }
}
