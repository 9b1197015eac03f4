using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.AutomaticAdviceTests;

namespace ReturnsActors.IntegrationTests;

/// <summary>Cluster: the advisory channel's checkpoint is in PostgreSQL, so across a silo restart every new return still gets exactly
/// one recommendation, none twice, even when events are delivered again.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterAutomaticAdviceTests : IAsyncLifetime
{
    private const string AdminKey = "ra_advice_cluster_test_admin_key_012345";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_advice");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task EachNewReturn_GetsExactlyOneRecommendation_AcrossASiloRestart_EvenWhenItsEventIsDeliveredAgain()
    {
        var settings = SiloProcess.ClusterSettings(_database, $"advice-{Guid.NewGuid():N}", AdminKey);
        settings["Webhooks:RetryBaseMilliseconds"] = "100";
        settings["Webhooks:RetryMaxSeconds"] = "1";
        settings["Webhooks:PollMilliseconds"] = "100";
        var tenant = ApiRequests.NewTenantId();
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            await first.Http.CreateTenantAsync(AdminKey, tenant);
            using var http = Client(first.Http.BaseAddress!, AdminKey, tenant);
            await PutOrderAsync(http, "O-1", daysAgo: 3, category: "apparel", price: 40m, quantity: 6, customerId: "C-1", tier: "silver", warrantyMonths: 12);
            await CreateAsync(http, "R-1", "O-1", "Defect", quantity: 5);
            Assert.Single(await RecommendationsEventuallyAsync(http, "R-1", 1));
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            // As if the silo had died after the grain recorded R-1's recommendation but before the checkpoint moved: the next
            // silo delivers R-1's events again, and the command id derived from (return, seq) makes that a no-op.
            await using var rewind = new NpgsqlCommand(
                "UPDATE connector_checkpoints SET checkpoint_epoch = 0, checkpoint_tx = '0'::xid8, checkpoint_position = 0 WHERE tenant_id = @t AND channel = 'advisory'", connection);
            rewind.Parameters.AddWithValue("t", tenant);
            Assert.Equal(1, await rewind.ExecuteNonQueryAsync());
        }

        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = Client(second.Http.BaseAddress!, AdminKey, tenant);
        await CreateAsync(client, "R-2", "O-1", "Defect");
        var issued = Assert.Single(await RecommendationsEventuallyAsync(client, "R-2", 1));
        Assert.Equal("advice:1", issued.Event.GetProperty("commandId").GetString());
        // The SKU-family history is aggregated in PostgreSQL: R-1's five defective apparel units, R-2 itself left out.
        var preview = await client.GetFromJsonAsync<JsonElement>("/v1/rmas/R-2/recommendation");
        Assert.Equal(1.0, preview.GetProperty("features").GetProperty("skuFamilyDefectRate").GetDouble());
        await Task.Delay(1500);
        Assert.Single(await RecommendationsAsync(client, "R-1"));
        Assert.Single(await RecommendationsAsync(client, "R-2"));
    }
}
