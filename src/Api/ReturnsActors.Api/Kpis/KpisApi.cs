using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains.Kpis;

namespace ReturnsActors.Api.Kpis;

/// <summary><c>GET /v1/kpis</c>: the operational KPIs of the caller's tenant, computed by <see cref="KpiCalculator"/>.</summary>
internal static class KpisApi
{
    private static readonly TimeSpan _defaultRange = TimeSpan.FromDays(30);
    private static readonly TimeSpan _maxRange = TimeSpan.FromDays(366);

    public static RouteHandlerBuilder MapKpis(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/kpis", GetAsync).WithTags("KPIs").WithName("GetKpis")
            .WithSummary("Cycle time, refund SLA, first-pass inspection, exceptions, aging and SLA breaches of the tenant over [from, to)")
            .RequireAuthorization(Actions.RmasRead);

    private static async Task<Results<Ok<KpiReport>, ProblemHttpResult>> GetAsync(HttpContext http, KpiService kpis, TimeProvider time,
        CancellationToken cancellationToken, DateTimeOffset? from = null, DateTimeOffset? to = null, string? groupBy = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return RejectionResults.Invalid("tenant", $"No tenant: a platform admin names one with the {CallerTenant.HeaderName} header.");
        }

        var end = to ?? time.GetUtcNow();
        var start = from ?? end - _defaultRange;
        if (start >= end || end - start > _maxRange)
        {
            return RejectionResults.Invalid("from", "from must be before to, and the range at most 366 days.");
        }

        var bucket = groupBy?.ToLowerInvariant() ?? KpiCalculator.GroupByDay;
        if (bucket is not (KpiCalculator.GroupByDay or KpiCalculator.GroupByWeek))
        {
            return RejectionResults.Invalid("groupBy", "Must be 'day' or 'week'.");
        }

        return TypedResults.Ok(await kpis.ComputeAsync(tenant, start.ToUniversalTime(), end.ToUniversalTime(), bucket, cancellationToken));
    }
}
