using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.Infrastructure.ApiExpectations;

namespace ReturnsActors.IntegrationTests;

[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ReadModelTests : IAsyncLifetime
{
    private const string AdminKey = "ra_readmodel_test_admin_key_0123456789";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_readmodel");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task Returns_AreProjectedFromTheLog_Searchable_Paged_AndRebuiltAfterARestart()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"readmodel-{Guid.NewGuid():N}", AdminKey);
        await using (var silo = SiloProcess.Start(settings))
        {
            await silo.WaitReadyAsync();
            var http = silo.TenantClient("shop-a", AdminKey);
            await Ok(http.PutAsJsonAsync("/v1/orders/O-1", Order("web")));
            await Ok(http.PutAsJsonAsync("/v1/orders/O-2", Order("marketplace", customerId: "CUST-42")));
            for (var i = 1; i <= 5; i++)
            {
                await Ok(http.PostAsJsonAsync("/v1/rmas", new
                {
                    rmaId = $"R-{i}",
                    orderId = i <= 3 ? "O-1" : "O-2",
                    lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "X", reasonClass = i == 5 ? "Defect" : "Convenience" } },
                }));
            }

            await Ok(http.PostAsJsonAsync("/v1/rmas/R-2/label", new { carrier = "DHL", trackingNumber = "T2" }));
            await Ok(http.PostAsJsonAsync("/v1/rmas/R-2/receive", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true, warehouse = "WH-7" }));

            var all = await EventuallyAsync(http, "/v1/rmas?limit=50", page => page.Count == 5 && page.Any(r => r.Status == "Received"));
            Assert.Equal(["R-5", "R-4", "R-3", "R-2", "R-1"], all.Select(r => r.RmaId));

            Assert.Equal(["R-5", "R-4"], (await PageAsync(http, "/v1/rmas?channel=marketplace")).Items.Select(r => r.RmaId));
            Assert.Equal(["R-5"], (await PageAsync(http, "/v1/rmas?reasonClass=Defect")).Items.Select(r => r.RmaId));
            Assert.Equal(["R-2"], (await PageAsync(http, "/v1/rmas?warehouse=WH-7")).Items.Select(r => r.RmaId));
            Assert.Equal(["R-2"], (await PageAsync(http, "/v1/rmas?status=Received")).Items.Select(r => r.RmaId));
            Assert.Equal(["R-5", "R-4"], (await PageAsync(http, "/v1/rmas?customerId=CUST-42")).Items.Select(r => r.RmaId));

            // Cursor paging walks every row once.
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = await PageAsync(http, "/v1/rmas?limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
                Assert.True(page.Items.Count <= 2);
                seen.AddRange(page.Items.Select(r => r.RmaId));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            Assert.Equal(["R-5", "R-4", "R-3", "R-2", "R-1"], seen);

            // Another tenant's list is empty.
            Assert.Empty((await PageAsync(silo.TenantClient("shop-b", AdminKey), "/v1/rmas")).Items);

            var metrics = await silo.Http.GetStringAsync("/metrics");
            Assert.Contains("returnsactors_projection_lag_events", metrics);
        }

        // Lose the read model entirely; a new silo rebuilds it from the event log.
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var wipe = new NpgsqlCommand("TRUNCATE rma_read; UPDATE projection_checkpoints SET epoch = 0, tx_id = '0', position = 0", connection);
            await wipe.ExecuteNonQueryAsync();
        }

        await using var restarted = SiloProcess.Start(settings);
        await restarted.WaitReadyAsync();
        var rebuilt = await EventuallyAsync(restarted.TenantClient("shop-a", AdminKey), "/v1/rmas", page => page.Count == 5);
        Assert.Equal("WH-7", rebuilt.Single(r => r.RmaId == "R-2").Warehouse);
        Assert.Equal("Received", rebuilt.Single(r => r.RmaId == "R-2").Status);
    }

    private static object Order(string channel, string? customerId = null) => new
    {
        channel,
        customerId,
        deliveredAt = DateTimeOffset.UtcNow.AddDays(-1),
        currency = "EUR",
        lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 5, unitPrice = 10m, serialNumbers = Array.Empty<string>() } },
    };

    private static async Task<PageBody> PageAsync(HttpClient http, string path) =>
        (await http.GetFromJsonAsync<PageBody>(path))!;

    private static async Task<IReadOnlyList<RowBody>> EventuallyAsync(HttpClient http, string path, Func<IReadOnlyList<RowBody>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<RowBody> items = [];
        while (DateTime.UtcNow < deadline)
        {
            items = (await PageAsync(http, path)).Items;
            if (done(items))
            {
                return items;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the read model did not catch up: {JsonSerializer.Serialize(items)}");
        return items;
    }

    private sealed record PageBody(IReadOnlyList<RowBody> Items, string? NextCursor);

    private sealed record RowBody(string RmaId, string Status, string Channel, string? Warehouse);
}
