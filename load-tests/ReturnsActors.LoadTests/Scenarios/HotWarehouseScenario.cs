using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>A hot warehouse: every return of the run is routed to one warehouse (the cheapest that serves the region),
/// which then sees the routing report and a dock receipt per return. Measures whether one warehouse serializes the
/// cluster: compare with <c>rma-write</c>. Settings: <c>orders</c> (pool, default 50).</summary>
public sealed class HotWarehouseScenario : IScenarioFactory
{
    public string Name => "hot-warehouse";

    public string Description => "Per iteration: open a return (routed to the one hot warehouse) and record its receipt there.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var http = context.Http;
        var orders = context.Setting("orders", 50);
        var prefix = $"LT{ReturnsRequests.RunId}-H";
        string Rma(StepContext s) => $"{prefix}-R-{s.IterationNumber}";
        return Scenario.Create(
                context.ScenarioName,
                new Step("request", s => ReturnsRequests.Send(http, ReturnsRequests.Json(HttpMethod.Post, "/v1/rmas", new
                {
                    rmaId = Rma(s),
                    orderId = $"{prefix}-O-{s.IterationNumber % orders}",
                    lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "SIZE", reasonClass = "Convenience" } },
                }), s)),
                new Step("receive", s => ReturnsRequests.Send(http, ReturnsRequests.Json(HttpMethod.Post, $"/v1/rmas/{Rma(s)}/receive", new
                {
                    lines = new[] { new { lineId = "L1", quantity = 1 } },
                    final = true,
                    warehouse = "wh-hot",
                }), s)))
            .WithInit(async ct =>
            {
                await Ensure(http, ReturnsRequests.Json(HttpMethod.Put, "/v1/warehouses/wh-hot", new
                {
                    name = "Hot dock", regions = new[] { "DE" }, categories = new[] { "apparel" }, grading = true, refurbishment = false,
                    dailyCapacityUnits = 10_000_000, costPerUnit = 1m,
                }), ct);
                await Ensure(http, ReturnsRequests.Json(HttpMethod.Put, "/v1/warehouses/wh-cold", new
                {
                    name = "Cold dock", regions = new[] { "DE" }, categories = new[] { "apparel" }, grading = true, refurbishment = false,
                    dailyCapacityUnits = 10_000_000, costPerUnit = 9m,
                }), ct);
                for (var o = 0; o < orders; o++)
                {
                    await Ensure(http, ReturnsRequests.Json(HttpMethod.Put, $"/v1/orders/{prefix}-O-{o}", new
                    {
                        channel = "web", deliveredAt = DateTimeOffset.UtcNow.AddDays(-2), currency = "EUR", region = "DE",
                        lines = new[] { new { orderLineId = "1", sku = "SKU-LT-1", category = "apparel", quantity = 1_000_000, unitPrice = 25m, serialNumbers = Array.Empty<string>() } },
                    }), ct);
                }
            });
    }

    private static async Task Ensure(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"setup failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }
}
