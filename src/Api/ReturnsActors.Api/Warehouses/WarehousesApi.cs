using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Api.Warehouses;

/// <summary>Registers a warehouse or replaces its capabilities and capacity.</summary>
public sealed record WarehouseRequest(
    string? Name,
    IReadOnlyList<string>? Regions,
    IReadOnlyList<string>? Categories,
    bool Grading,
    bool Refurbishment,
    int DailyCapacityUnits,
    decimal CostPerUnit,
    int BacklogWarningUnits = 0,
    int BacklogBreachUnits = 0,
    double BacklogWarningHours = 24,
    double BacklogBreachHours = 48);

/// <summary>How many expected returns a rebalance may move at most (default 100).</summary>
public sealed record RebalanceRequest(int? MaxReturns);

/// <summary><c>/v1/warehouses</c>: capabilities, capacity, figures and rebalancing of the caller's warehouses.</summary>
internal static class WarehousesApi
{
    public static RouteGroupBuilder MapWarehouses(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/warehouses").WithTags("Warehouses").RequireAuthorization(Actions.RmasRead);
        group.MapGet("/", ListAsync).WithName("ListWarehouses").WithSummary("The tenant's warehouses with their figures");
        group.MapPut("/{warehouseId}", PutAsync).WithName("PutWarehouse").WithSummary("Register a warehouse or update its capabilities and capacity")
            .RequireAuthorization(Actions.WarehousesAdmin);
        group.MapGet("/{warehouseId}", GetAsync).WithName("GetWarehouse").WithSummary("A warehouse with expected inbound, backlog, first-pass outcomes and throughput");
        group.MapPost("/{warehouseId}/rebalance", RebalanceAsync).WithName("RebalanceWarehouse")
            .WithSummary("Reroute expected (not yet received) returns of an over-capacity warehouse to others").RequireAuthorization(Actions.WarehousesAdmin);
        return group;
    }

    private static Task<Results<Created<WarehouseView>, Ok<WarehouseView>, ProblemHttpResult>> PutAsync(
        string warehouseId, WarehouseRequest request, HttpContext http, IGrainFactory grains) =>
        CallerTenant.RegisterAsync<WarehouseView>(http, warehouseId, "warehouseId", $"/v1/warehouses/{warehouseId}", async key =>
        {
            var result = await grains.GetGrain<IWarehouseGrain>(key).RegisterAsync(new RegisterWarehouse(
                request.Name ?? "", request.Regions ?? [], request.Categories ?? [], request.Grading, request.Refurbishment,
                request.DailyCapacityUnits, request.CostPerUnit, request.BacklogWarningUnits, request.BacklogBreachUnits,
                request.BacklogWarningHours, request.BacklogBreachHours));
            return (result.Warehouse, result.Rejection, result.Created);
        });

    private static Task<Results<Ok<WarehouseView>, NotFound, ProblemHttpResult>> GetAsync(string warehouseId, HttpContext http, IGrainFactory grains) =>
        CallerTenant.ReadAsync(http, warehouseId, key => grains.GetGrain<IWarehouseGrain>(key).GetAsync());

    private static async Task<Results<Ok<IReadOnlyList<WarehouseView>>, ProblemHttpResult>> ListAsync(HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var summaries = await grains.GetGrain<IWarehouseDirectoryGrain>(tenant).ListAsync();
        var views = await Task.WhenAll(summaries.Select(s => grains.GetGrain<IWarehouseGrain>($"{tenant}/{s.WarehouseId}").GetAsync()));
        return TypedResults.Ok<IReadOnlyList<WarehouseView>>(views.OfType<WarehouseView>().ToList());
    }

    private static async Task<Results<Ok<RebalanceResult>, NotFound, ProblemHttpResult>> RebalanceAsync(
        string warehouseId, RebalanceRequest? request, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!CallerTenant.IsValidId(warehouseId) || await grains.GetGrain<IWarehouseGrain>($"{tenant}/{warehouseId}").GetAsync() is null)
        {
            return TypedResults.NotFound();
        }

        var max = Math.Clamp(request?.MaxReturns ?? 100, 1, 1000);
        return TypedResults.Ok(await grains.GetGrain<IWarehouseRebalancerGrain>($"{tenant}/{warehouseId}").RebalanceAsync(CallerTenant.Actor(http), max));
    }

}
