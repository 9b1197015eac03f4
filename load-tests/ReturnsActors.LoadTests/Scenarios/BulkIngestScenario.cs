using System.Text;
using System.Text.Json;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>Bulk event ingest: each iteration posts one NDJSON batch of CloudEvents that opens returns and drives
/// them through label, in-transit and delivered (4 events per return). Report "events applied per second" as
/// ok/s × 4 × returnsPerBatch. Settings: <c>returnsPerBatch</c> (default 10), <c>orders</c> (pool, default 50).</summary>
public sealed class BulkIngestScenario : IScenarioFactory
{
    private const string Prefix = "com.returnsactors.";

    public string Name => "bulk-ingest";

    public string Description => "POST /v1/events with NDJSON batches: per return rma.requested, carrier.label_created, carrier.in_transit, carrier.delivered.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var http = context.Http;
        var perBatch = context.Setting("returnsPerBatch", 10);
        var orders = context.Setting("orders", 50);
        var prefix = $"LT{ReturnsRequests.RunId}-I";
        return Scenario.Create(
                context.ScenarioName,
                new Step("batch", async s =>
                {
                    var body = new StringBuilder();
                    for (var i = 0; i < perBatch; i++)
                    {
                        var rma = $"{prefix}-R-{s.IterationNumber}-{i}";
                        var order = $"{prefix}-O-{(s.IterationNumber * perBatch + i) % orders}";
                        Append(body, rma, "rma.requested", new { orderId = order, lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "SIZE", reasonClass = "Convenience" } } });
                        Append(body, rma, "carrier.label_created", new { carrier = "DHL", trackingNumber = $"T{rma}" });
                        Append(body, rma, "carrier.in_transit", new { });
                        Append(body, rma, "carrier.delivered", new { });
                    }

                    var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events")
                    {
                        Content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"),
                    };
                    return await ReturnsRequests.Send(http, request, s);
                }))
            .WithInit(async ct =>
            {
                for (var o = 0; o < orders; o++)
                {
                    using var response = await http.SendAsync(ReturnsRequests.PutOrder($"{prefix}-O-{o}", quantity: 1_000_000), ct);
                    response.EnsureSuccessStatusCode();
                }
            });
    }

    private static void Append(StringBuilder body, string rma, string type, object data) =>
        body.Append(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["specversion"] = "1.0",
            ["id"] = $"{rma}:{type}",
            ["source"] = "/loadtest",
            ["type"] = Prefix + type,
            ["subject"] = rma,
            ["time"] = DateTimeOffset.UtcNow,
            ["datacontenttype"] = "application/json",
            ["data"] = data,
        })).Append('\n');
}
