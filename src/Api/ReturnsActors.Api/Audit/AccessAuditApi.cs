using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;

namespace ReturnsActors.Api.Audit;

/// <summary>The tenant's retention of access records.</summary>
public sealed record AccessAuditSettings(int AccessRetentionDays, bool IsDefault);

/// <summary>Sets the tenant's retention of access records (1 to 3650 days).</summary>
public sealed record AccessAuditSettingsRequest(int? AccessRetentionDays);

/// <summary>A page of access records, newest first.</summary>
public sealed record AccessPage(IReadOnlyList<AccessRecord> Items, long? NextBefore);

/// <summary>Records every <c>/v1</c> request (after authentication, so the caller is known; refusals included) and answers
/// <c>GET /v1/audit/access</c>.</summary>
public static class AccessAuditApi
{
    public static IServiceCollection AddAccessAudit(this IServiceCollection services)
    {
        services.AddOptions<AccessAuditOptions>().BindConfiguration(AccessAuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IAccessAuditStore, InMemoryAccessAuditStore>();
        services.AddSingleton<AccessAuditWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessAuditWriter>());
        return services;
    }

    public static IApplicationBuilder UseAccessAudit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            Record(context, status, started);
        }
    });

    private static void Record(HttpContext context, int status, long started)
    {
        var user = context.User;
        var authenticated = user.Identity?.IsAuthenticated == true;
        var endpoint = context.GetEndpoint();
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "";
        context.RequestServices.GetRequiredService<AccessAuditWriter>().Record(new AccessRecord(
            0,
            authenticated ? CallerTenant.Resolve(context) : null,
            context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
            authenticated ? user.FindFirst(ReturnsClaims.Subject)?.Value ?? "unknown" : "anonymous",
            user.FindFirst(ReturnsClaims.KeyId)?.Value,
            context.Request.Method,
            route,
            Truncate(context.Request.Path.Value ?? "", 512),
            endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
            status,
            AccessRecord.OutcomeOf(status),
            (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            context.Connection.RemoteIpAddress?.ToString()));
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];

    public static RouteGroupBuilder MapAccessAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization(Actions.AuditRead).ProducesCommandProblems();
        group.MapGet("/access", QueryAsync).WithName("ListAccessRecords")
            .WithSummary("Who called what, when and how it ended (newest first; from, to, subject, keyId, action, outcome, limit, before)");
        group.MapGet("/settings", GetSettingsAsync).WithName("GetAccessAuditSettings").WithSummary("The tenant's retention of access records");
        group.MapPut("/settings", SetSettingsAsync).WithName("SetAccessAuditSettings").WithSummary("Set the tenant's retention of access records");
        return group;
    }

    private static async Task<Results<Ok<AccessPage>, ProblemHttpResult>> QueryAsync(HttpContext http, IAccessAuditStore store,
        CancellationToken cancellationToken, DateTimeOffset? from = null, DateTimeOffset? to = null, string? subject = null,
        string? keyId = null, string? action = null, string? outcome = null, int? limit = null, long? before = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (limit is < 1 or > 500)
        {
            return RejectionResults.Invalid("limit", "Must be between 1 and 500.");
        }

        if (outcome is not null and not ("ok" or "denied" or "refused" or "error"))
        {
            return RejectionResults.Invalid("outcome", "Use ok, denied, refused or error.");
        }

        var size = limit ?? 100;
        var items = await store.QueryAsync(new AccessQuery(tenant, from, to, subject, keyId, action, outcome, size, before), cancellationToken);
        return TypedResults.Ok(new AccessPage(items, items.Count == size ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<AccessAuditSettings>, ProblemHttpResult>> GetSettingsAsync(HttpContext http, IAccessAuditStore store,
        IOptions<AccessAuditOptions> options, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var days = await store.GetRetentionDaysAsync(tenant, cancellationToken);
        return TypedResults.Ok(new AccessAuditSettings(days ?? options.Value.AccessRetentionDays, days is null));
    }

    private static async Task<Results<Ok<AccessAuditSettings>, ProblemHttpResult>> SetSettingsAsync(AccessAuditSettingsRequest request,
        HttpContext http, IAccessAuditStore store, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (request.AccessRetentionDays is not { } days || days is < 1 or > 3650)
        {
            return RejectionResults.Invalid("accessRetentionDays", "Must be 1 to 3650 days.");
        }

        await store.SetRetentionDaysAsync(tenant, days, cancellationToken);
        return TypedResults.Ok(new AccessAuditSettings(days, false));
    }
}
