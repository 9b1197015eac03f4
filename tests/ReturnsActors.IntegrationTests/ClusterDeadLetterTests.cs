using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Dead letters in the Cluster profile live in PostgreSQL: they survive a restart and the operators' CLI lists and replays them.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterDeadLetterTests : IAsyncLifetime
{
    private const string AdminKey = "ra_deadletter_test_admin_key_0123456789";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_deadletters");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task DeadLetters_SurviveARestart_AndTheCliListsAndReplaysThem()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"deadletters-{Guid.NewGuid():N}", AdminKey);
        string deadLetterId;
        await using (var before = SiloProcess.Start(settings))
        {
            await before.WaitReadyAsync();
            var http = before.TenantClient("acme", AdminKey);
            var batch = string.Join("\n",
                JsonSerializer.Serialize(IngestTests.Event("early-label", "carrier.label_created", "RMA-DL", new { carrier = "UPS", trackingNumber = "1ZDL" })),
                "not json at all");
            using var response = await http.PostAsync("/v1/events", new StringContent(batch, Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var results = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results");
            Assert.Equal("dead_lettered", results[0].GetProperty("status").GetString());
            deadLetterId = results[0].GetProperty("deadLetterId").GetString()!;
            before.Terminate();
            Assert.True(await before.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        await using var after = SiloProcess.Start(settings);
        await after.WaitReadyAsync();
        var again = after.TenantClient("acme", AdminKey);
        var listed = await again.GetFromJsonAsync<JsonElement>("/v1/dead-letters");
        Assert.Equal(2, listed.GetArrayLength());
        var letter = await again.GetFromJsonAsync<JsonElement>($"/v1/dead-letters/{deadLetterId}");
        Assert.Equal("rma.not_found", letter.GetProperty("reasonCode").GetString());
        Assert.Equal("pending", letter.GetProperty("status").GetString());
        Assert.Equal(deadLetterId, letter.GetProperty("id").GetString());
        Assert.Equal("acme", letter.GetProperty("tenantId").GetString());

        var (listExit, listOutput) = await CliAsync(["dead-letters", "list", "--tenant", "acme"], after.HttpPort);
        Assert.Equal(0, listExit);
        Assert.Contains(deadLetterId, listOutput);
        Assert.Contains("2 dead letter(s)", listOutput);

        // Fix the cause (the return now exists), then replay from the CLI through the running silo.
        using (var order = await again.PutAsJsonAsync("/v1/orders/ORD-DL", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-1),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "tools", quantity = 1, unitPrice = 10m, serialNumbers = Array.Empty<string>() } },
        }))
        {
            Assert.True(order.IsSuccessStatusCode);
        }

        using (var created = await again.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = "RMA-DL",
            orderId = "ORD-DL",
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var (replayExit, replayOutput) = await CliAsync(["dead-letters", "replay", deadLetterId, "--url", after.Http.BaseAddress!.ToString()], after.HttpPort);
        Assert.True(replayExit == 0, replayOutput);
        Assert.Equal("replayed", (await again.GetFromJsonAsync<JsonElement>($"/v1/dead-letters/{deadLetterId}")).GetProperty("status").GetString());
        Assert.Equal("AwaitingShipment", (await again.GetFromJsonAsync<JsonElement>("/v1/rmas/RMA-DL")).GetProperty("status").GetString());
    }

    private Task<(int ExitCode, string Output)> CliAsync(string[] arguments, int httpPort) =>
        SiloProcess.RunCommandAsync(new Dictionary<string, string>
        {
            ["ReturnsActors__Postgres__ConnectionString"] = _database,
            ["ReturnsActors__Bootstrap__AdminApiKey"] = AdminKey,
            ["ReturnsActors__Http__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, arguments);
}
