using System.Net.Http.Json;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>Requests of the ReturnsActors API that the scenarios share: an order to return against, a return, its steps.</summary>
internal static class ReturnsRequests
{
    /// <summary>A prefix unique to this run, so runs against the same cluster never collide.</summary>
    public static string RunId { get; } = DateTime.UtcNow.ToString("HHmmss") + Random.Shared.Next(1000, 9999);

    public static HttpRequestMessage Json(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        return request;
    }

    public static HttpRequestMessage PutOrder(string orderId, int quantity = 1) => Json(HttpMethod.Put, $"/v1/orders/{orderId}", new
    {
        channel = "web",
        deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
        currency = "EUR",
        lines = new[] { new { orderLineId = "1", sku = "SKU-LT-1", category = "apparel", quantity, unitPrice = 25m, serialNumbers = Array.Empty<string>() } },
    });

    public static HttpRequestMessage CreateReturn(string rmaId, string orderId, int quantity = 1) => Json(HttpMethod.Post, "/v1/rmas", new
    {
        rmaId,
        orderId,
        lines = new[] { new { orderLineId = "1", quantity, reasonCode = "SIZE", reasonClass = "Convenience" } },
    });

    public static Task<StepResult> Send(HttpClient http, HttpRequestMessage request, StepContext step) =>
        HttpStep.SendAsync(http, request, step.CancellationToken);
}

/// <summary>One return per iteration, request to closed, each lifecycle step its own step in the report.</summary>
public sealed class RmaLifecycleScenario : IScenarioFactory
{
    public string Name => "rma-lifecycle";

    public string Description => "Full return lifecycle over HTTP per iteration: order, request, label, delivered, receipt, inspection, disposition, settlement, confirmation, close.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var http = context.Http;
        string Id(StepContext s, string kind) => $"LT{ReturnsRequests.RunId}-{kind}-{s.IterationNumber}";
        Step Action(string name, string action, object body) => new(name, s =>
            ReturnsRequests.Send(http, ReturnsRequests.Json(HttpMethod.Post, $"/v1/rmas/{Id(s, "R")}/{action}", body), s));

        return Scenario.Create(
            context.ScenarioName,
            new Step("order", s => ReturnsRequests.Send(http, ReturnsRequests.PutOrder(Id(s, "O")), s)),
            new Step("request", s => ReturnsRequests.Send(http, ReturnsRequests.CreateReturn(Id(s, "R"), Id(s, "O")), s)),
            Action("label", "label", new { carrier = "DHL", trackingNumber = "LT" }),
            Action("delivered", "carrier-events", new { kind = "Delivered" }),
            Action("receive", "receive", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true, warehouse = "WH-LT" }),
            Action("inspect", "inspect", new { lines = new[] { new { lineId = "L1", grade = "A" } } }),
            Action("disposition", "disposition", new { }),
            Action("settle", "settle", new { kind = "RefundOriginalPayment" }),
            Action("confirm", "confirm-settlement", new { reference = "ERP-LT" }),
            Action("close", "close", new { }));
    }
}

/// <summary>Single-event API writes: a note on one of a pool of returns created before the load starts.</summary>
public sealed class RmaWriteScenario : IScenarioFactory
{
    public string Name => "rma-write";

    public string Description => "One durable command per request (a note) spread over a pool of returns ('returns' setting, default 200).";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var http = context.Http;
        var pool = context.Setting("returns", 200);
        var prefix = $"LT{ReturnsRequests.RunId}-W";
        return Scenario.Create(
                context.ScenarioName,
                new Step("note", s => ReturnsRequests.Send(http,
                    ReturnsRequests.Json(HttpMethod.Post, $"/v1/rmas/{prefix}-R-{s.IterationNumber % pool}/notes", new { text = $"note {s.IterationNumber}" }), s)))
            .WithInit(ct => SeedReturnsAsync(http, prefix, pool, ct));
    }

    internal static async Task SeedReturnsAsync(HttpClient http, string prefix, int count, CancellationToken ct)
    {
        await Ensure(http, ReturnsRequests.PutOrder($"{prefix}-O", quantity: count), ct);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
            await Ensure(http, ReturnsRequests.CreateReturn($"{prefix}-R-{i}", $"{prefix}-O"), token));
    }

    private static async Task Ensure(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"seeding failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }
}

/// <summary>A read-heavy mix: get one return, list the newest, search by status.</summary>
public sealed class RmaReadMixScenario : IScenarioFactory
{
    public string Name => "rma-read-mix";

    public string Description => "Reads per iteration: GET a return (8 in 10), list the newest page, or search by status; over a seeded pool ('returns', default 200).";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var http = context.Http;
        var pool = context.Setting("returns", 200);
        var prefix = $"LT{ReturnsRequests.RunId}-M";
        return Scenario.Create(
                context.ScenarioName,
                new Step("read", s => (s.IterationNumber % 10) switch
                {
                    8 => HttpStep.GetAsync(http, "/v1/rmas?limit=20", s.CancellationToken),
                    9 => HttpStep.GetAsync(http, "/v1/rmas?status=Authorized&limit=20", s.CancellationToken),
                    _ => HttpStep.GetAsync(http, $"/v1/rmas/{prefix}-R-{s.IterationNumber % pool}", s.CancellationToken),
                }))
            .WithInit(ct => RmaWriteScenario.SeedReturnsAsync(http, prefix, pool, ct));
    }
}
