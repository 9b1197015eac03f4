using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.Infrastructure.ApiExpectations;

namespace ReturnsActors.IntegrationTests;

/// <summary>Warehouses and suppliers over HTTP: a defective return routed, received, inspected and sent back to its
/// supplier ends as a credited vendor claim (Cluster profile: real PostgreSQL, Redis and silo process), and another
/// tenant's warehouses, suppliers and claims are 404 (the shared Embedded silo).</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class WarehouseSupplierApiTests(EmbeddedApiSilo api)
{
    private const string AdminKey = "ra_warehouse_test_admin_key_0123456789";

    [Fact]
    [Trait("Category", "Slow")]
    public async Task DefectiveReturn_IsRouted_Received_Inspected_SentToVendor_AndItsClaimCredited_WithMatchingFigures()
    {
        var database = await TestEnvironment.CreateDatabaseAsync("ra_warehouse");
        try
        {
            await DefectiveReturnToCreditedClaimAsync(database);
        }
        finally
        {
            await TestEnvironment.DropDatabaseAsync(database);
        }
    }

    private static async Task DefectiveReturnToCreditedClaimAsync(string database)
    {
        await using var silo = SiloProcess.Start(SiloProcess.ClusterSettings(database, $"warehouse-{Guid.NewGuid():N}", AdminKey));
        await silo.WaitReadyAsync();
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", "acme");

        await Expect(HttpStatusCode.Created, http.PutAsJsonAsync("/v1/warehouses/wh-paris", Warehouse("FR", cost: 0.5m)));
        await Expect(HttpStatusCode.Created, http.PutAsJsonAsync("/v1/warehouses/wh-berlin", Warehouse("DE", cost: 1.5m)));
        await Expect(HttpStatusCode.Created, http.PutAsJsonAsync("/v1/suppliers/bosch", new { name = "Bosch", currency = "EUR", allowanceCap = 1000m, ackSlaHours = 48 }));
        await Expect(HttpStatusCode.OK, http.PutAsJsonAsync("/v1/orders/ORD-9", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            region = "DE",
            lines = new[] { new { orderLineId = "1", sku = "SKU-DRILL", category = "tools", quantity = 2, unitPrice = 80m, serialNumbers = Array.Empty<string>(), supplierId = "bosch" } },
        }));

        var created = await Json(Expect(HttpStatusCode.Created, http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = "RMA-9",
            orderId = "ORD-9",
            lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "BROKEN", reasonClass = "Defect" } },
        })));
        // The cheaper Paris warehouse does not serve the customer's region.
        Assert.Equal("wh-berlin", created.GetProperty("warehouseId").GetString());
        Assert.Equal("bosch", created.GetProperty("lines")[0].GetProperty("supplierId").GetString());
        Assert.Equal(2, (await Figures(http, "wh-berlin")).GetProperty("expectedInboundUnits").GetInt32());
        Assert.Equal(0, (await Figures(http, "wh-paris")).GetProperty("expectedInboundUnits").GetInt32());
        await ReadModelFindsAsync(http, "/v1/rmas?warehouse=wh-berlin", "RMA-9");

        await Step(http, "label", new { carrier = "UPS", trackingNumber = "1Z9" });
        await Step(http, "carrier-events", new { kind = "Delivered" });
        await Step(http, "receive", new { lines = new[] { new { lineId = "L1", quantity = 2 } }, final = true });
        var received = await Figures(http, "wh-berlin");
        Assert.Equal(0, received.GetProperty("expectedInboundUnits").GetInt32());
        Assert.Equal(2, received.GetProperty("backlogUnits").GetInt32());
        await Step(http, "inspect", new { lines = new[] { new { lineId = "L1", grade = "D", conditionNotes = "motor burnt" } } });
        await Step(http, "disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } });

        var figures = await Figures(http, "wh-berlin");
        Assert.Equal(2, figures.GetProperty("receivedUnits").GetInt32());
        Assert.Equal(2, figures.GetProperty("inspectedUnits").GetInt32());
        Assert.Equal(0, figures.GetProperty("backlogUnits").GetInt32());
        Assert.Equal(1, figures.GetProperty("firstPassGrades").GetProperty("D").GetInt32());
        Assert.Equal(2, figures.GetProperty("processedUnits").GetInt32());

        var claims = await http.GetFromJsonAsync<JsonElement>("/v1/suppliers/bosch/claims");
        var claim = Assert.Single(claims.EnumerateArray());
        var claimId = claim.GetProperty("claimId").GetString()!;
        Assert.Equal("Draft", claim.GetProperty("status").GetString());
        Assert.Equal(160m, claim.GetProperty("claimedValue").GetProperty("amount").GetDecimal());
        Assert.Equal("RMA-9", claim.GetProperty("lines")[0].GetProperty("rmaId").GetString());

        await ClaimStep(http, claimId, "submit", new { }, "Submitted");
        await ClaimStep(http, claimId, "acknowledge", new { reference = "BOSCH-RMA-1" }, "Acknowledged");
        await ClaimStep(http, claimId, "ship", new { reference = "1Z-BACK" }, "Shipped");
        await ClaimStep(http, claimId, "credit", new { amount = 60m, reference = "CN-1" }, "PartiallyCredited");
        var partial = (await http.GetFromJsonAsync<JsonElement>("/v1/suppliers/bosch")).GetProperty("figures");
        Assert.Equal(0.375m, partial.GetProperty("recoveryRate").GetDecimal());
        await ClaimStep(http, claimId, "credit", new { amount = 100m, reference = "CN-2" }, "Credited");
        // More credit than was claimed is refused.
        await Expect(HttpStatusCode.Conflict, http.PostAsJsonAsync($"/v1/suppliers/bosch/claims/{claimId}/credit", new { amount = 1m }));

        var supplier = (await http.GetFromJsonAsync<JsonElement>("/v1/suppliers/bosch")).GetProperty("figures");
        Assert.Equal(160m, supplier.GetProperty("claimedValue").GetProperty("amount").GetDecimal());
        Assert.Equal(160m, supplier.GetProperty("creditedValue").GetProperty("amount").GetDecimal());
        Assert.Equal(1m, supplier.GetProperty("recoveryRate").GetDecimal());
        Assert.Equal(0, supplier.GetProperty("openClaims").GetInt32());
        Assert.Equal(840m, supplier.GetProperty("allowanceRemaining").GetProperty("amount").GetDecimal());

        // The KPI roll-up shows the same recovery.
        var recovery = (await http.GetFromJsonAsync<JsonElement>("/v1/kpis")).GetProperty("supplierRecovery");
        Assert.True(recovery.GetProperty("available").GetBoolean());
        Assert.Equal(160m, recovery.GetProperty("claimedValue").GetDecimal());
        Assert.Equal(1.0, recovery.GetProperty("rate").GetDouble());

        // The routing decision is on the return's audit trail in PostgreSQL, with the rules that decided it.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT rule_ids, data_json FROM rma_events WHERE tenant_id = 'acme' AND rma_id = 'RMA-9' AND type = 'return.routed'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("route.region", reader.GetFieldValue<string[]>(0));
        Assert.Contains("wh-paris (does not serve DE)", reader.GetString(1));
    }

    [Fact]
    public async Task WarehousesSuppliersAndClaims_OfAnotherTenant_Are404()
    {
        var http = (await api.GetAsync()).Http;
        var (tenantA, tenantB) = (ApiRequests.NewTenantId(), ApiRequests.NewTenantId());
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenantA);
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenantB);
        var (_, a) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenantA, "admin");
        var (_, b) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenantB, "admin");

        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(HttpMethod.Put, "/v1/warehouses/wh-1", a, Warehouse("DE", 1m))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(HttpMethod.Put, "/v1/suppliers/sup-1", a, new { name = "Sup", currency = "EUR" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Put, "/v1/orders/O-1", a, new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-1),
            currency = "EUR",
            region = "DE",
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "tools", quantity = 1, unitPrice = 30m, serialNumbers = Array.Empty<string>(), supplierId = "sup-1" } },
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(HttpMethod.Post, "/v1/rmas", a, new
        {
            rmaId = "R-1",
            orderId = "O-1",
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } },
        })).StatusCode);
        foreach (var (action, body) in new (string, object)[]
                 {
                     ("receive", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true }),
                     ("inspect", new { lines = new[] { new { lineId = "L1", grade = "D" } } }),
                     ("disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } }),
                 })
        {
            using var step = await http.SendAsync(HttpMethod.Post, $"/v1/rmas/R-1/{action}", a, body);
            Assert.True(step.StatusCode == HttpStatusCode.OK, await step.Content.ReadAsStringAsync());
        }

        using var claims = await http.SendAsync(HttpMethod.Get, "/v1/suppliers/sup-1/claims", a);
        var claimId = Assert.Single((await claims.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()).GetProperty("claimId").GetString();
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Get, $"/v1/suppliers/sup-1/claims/{claimId}", a)).StatusCode);

        // Tenant B sees none of it: the same 404 as for ids that do not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Get, "/v1/warehouses/wh-1", b)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Post, "/v1/warehouses/wh-1/rebalance", b, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Get, "/v1/suppliers/sup-1", b)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Get, "/v1/suppliers/sup-1/claims", b)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Get, $"/v1/suppliers/sup-1/claims/{claimId}", b)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(HttpMethod.Post, $"/v1/suppliers/sup-1/claims/{claimId}/submit", b, new { })).StatusCode);
        using (var list = await http.SendAsync(HttpMethod.Get, "/v1/warehouses", b))
        {
            Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        }

        using (var list = await http.SendAsync(HttpMethod.Get, "/v1/suppliers", b))
        {
            Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        }

        // The claim is untouched, and tenant A still sees its own warehouse with the return routed to it.
        using var still = await http.SendAsync(HttpMethod.Get, $"/v1/suppliers/sup-1/claims/{claimId}", a);
        Assert.Equal("Draft", (await still.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        using var warehouses = await http.SendAsync(HttpMethod.Get, "/v1/warehouses", a);
        var mine = Assert.Single((await warehouses.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal(1, mine.GetProperty("figures").GetProperty("receivedUnits").GetInt32());
    }

    private static object Warehouse(string region, decimal cost) => new
    {
        name = $"Warehouse {region}",
        regions = new[] { region },
        categories = new[] { "tools", "electronics" },
        grading = true,
        refurbishment = false,
        dailyCapacityUnits = 50,
        costPerUnit = cost,
    };

    private static async Task<JsonElement> Figures(HttpClient http, string warehouseId) =>
        (await http.GetFromJsonAsync<JsonElement>($"/v1/warehouses/{warehouseId}")).GetProperty("figures");

    /// <summary>The read model is projected asynchronously from the event log: poll until the return shows up.</summary>
    private static async Task ReadModelFindsAsync(HttpClient http, string path, string rmaId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var page = await http.GetFromJsonAsync<JsonElement>(path);
            if (page.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("rmaId").GetString() == rmaId))
            {
                return;
            }

            last = page.ToString();
            await Task.Delay(200);
        }

        Assert.Fail($"the read model did not list {rmaId} under {path}: {last}");
    }

    private static Task<JsonElement> Step(HttpClient http, string action, object body) =>
        Json(Expect(HttpStatusCode.OK, http.PostAsJsonAsync($"/v1/rmas/RMA-9/{action}", body)));

    private static async Task ClaimStep(HttpClient http, string claimId, string action, object body, string expectedStatus)
    {
        var claim = await Json(Expect(HttpStatusCode.OK, http.PostAsJsonAsync($"/v1/suppliers/bosch/claims/{claimId}/{action}", body)));
        Assert.Equal(expectedStatus, claim.GetProperty("status").GetString());
    }

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> response) =>
        await (await response).Content.ReadFromJsonAsync<JsonElement>();
}
