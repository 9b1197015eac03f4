using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>The Embedded profile computes the KPIs with the same calculator, from its in-memory read model and log.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class EmbeddedKpiTests(EmbeddedApiSilo embedded)
{
    [Fact]
    public async Task Kpis_OfReturnsDrivenOverHttp_CountTheRefundTheOpenReturnAndTheFirstPassLine()
    {
        var silo = await embedded.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        using var http = silo.TenantClient(tenant);
        await ReturnScenario.LoadOrderAsync(http);
        foreach (var rma in new[] { "R-DONE", "R-OPEN" })
        {
            using var created = await http.PostAsJsonAsync("/v1/rmas", new
            {
                rmaId = rma,
                orderId = "O-1",
                lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "SIZE", reasonClass = "Convenience" } },
            });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        async Task Step(string action, object body)
        {
            using var response = await http.PostAsJsonAsync($"/v1/rmas/R-DONE/{action}", body);
            Assert.True(response.IsSuccessStatusCode, $"{action}: {await response.Content.ReadAsStringAsync()}");
        }

        await Step("label", new { carrier = "UPS", trackingNumber = "1Z1" });
        await Step("receive", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true, warehouse = "WH-9" });
        await Step("inspect", new { lines = new[] { new { lineId = "L1", grade = "A" } } });
        await Step("disposition", new { lines = new[] { new { lineId = "L1", disposition = "Restock" } } });
        await Step("settle", new { kind = "RefundOriginalPayment" });
        await Step("confirm-settlement", new { reference = "RF-1" });

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonNode kpis;
        do
        {
            kpis = JsonNode.Parse(await http.GetStringAsync("/v1/kpis"))!;
            if (kpis["tiles"]!["returnsCreated"]!.GetValue<int>() == 2 && kpis["tiles"]!["openReturns"]!.GetValue<int>() == 1)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(2, kpis["tiles"]!["returnsCreated"]!.GetValue<int>());
        Assert.Equal(1, kpis["tiles"]!["openReturns"]!.GetValue<int>());
        Assert.Equal(1, kpis["aging"]![0]!["count"]!.GetValue<int>());
        Assert.Equal(1, kpis["refundSla"]!["refunds"]!.GetValue<int>());
        Assert.Equal(1, kpis["refundSla"]!["withinSla"]!.GetValue<int>());
        Assert.Equal(1, kpis["firstPassInspection"]!["firstPass"]!.GetValue<int>());
        var web = Assert.Single(kpis["cycleTime"]!.AsArray());
        Assert.Equal("web", web!["channel"]!.GetValue<string>());
        Assert.Equal(1, web["returns"]!.GetValue<int>());
    }
}
