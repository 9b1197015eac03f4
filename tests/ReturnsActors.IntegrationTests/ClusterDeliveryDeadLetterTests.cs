using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Cluster dead letters (webhook and ERP connector) live in PostgreSQL (V0013): they survive a silo restart and replay after it; the delivery log and
/// replayed dead letters past <c>Webhooks:RetentionHours</c> are pruned in batches while newer rows stay.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterDeliveryDeadLetterTests() : OwnClusterDatabase("ra_deadletters", "ra_deadletter_cluster_test_admin_key_012")
{
    [Fact]
    public async Task DeadLetters_SurviveASiloRestart_AreReplayedAfterIt_AndOldLogRowsArePrunedWhileNewOnesStay()
    {
        await using var erp = await ErpReceiver.StartAsync();
        var settings = ClusterSettings();
        settings["Connectors:Erp:Url"] = erp.Url;
        settings["Connectors:Erp:Retries"] = "0";
        settings["Webhooks:AllowLoopback"] = "true";
        settings["Webhooks:MaxAttempts"] = "2";
        settings["Webhooks:RetentionHours"] = "1";
        // With two attempts the advisory channel would park events of its own while its models still load (a race under load).
        settings["Connectors:Advisory:Enabled"] = "false";
        var tenant = ApiRequests.NewTenantId();
        var erpTenant = ApiRequests.NewTenantId();
        erp.Reject = _ => true;
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status500InternalServerError);
        string id;
        string eventId;
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            using var http = first.TenantClient(tenant, AdminKey);
            id = await ReturnScenario.SubscribeAsync(http, subscriber, "return.requested");
            await ReturnScenario.LoadOrderAsync(http);
            await ReturnScenario.CreateRmaAsync(http, "R-1");
            await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeadLettersAsync(http, id)).Count == 1);
            eventId = (await ReturnScenario.DeadLettersAsync(http, id)).Single()!["eventId"]!.GetValue<string>();

            // Another tenant's settlement, refused by the ERP, is parked too.
            using var erpHttp = first.TenantClient(erpTenant, AdminKey);
            await ReturnScenario.WalkToSettlementAsync(erpHttp, "R-9", "O-9");
            await ReturnScenario.WaitUntilAsync(async () => (await ConnectorDeadLettersAsync(erpHttp)).Count == 1);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        // The failed attempts' log rows are made two hours old, and 6000 more old rows are added (more than one prune batch).
        await TestEnvironment.ExecuteAsync(Database, "UPDATE webhook_deliveries SET attempted_at = now() - interval '2 hours'");
        await TestEnvironment.ExecuteAsync(Database, $"""
            INSERT INTO webhook_deliveries (tenant_id, subscription_id, event_id, event_type, rma_id, seq, attempt, delivered, attempted_at)
            SELECT '{tenant}', '{id}', 'evt_old_' || g, 'return.requested', 'R-0', g, 1, true, now() - interval '3 hours' FROM generate_series(1, 6000) g
            """);

        settings["Webhooks:PruneIntervalSeconds"] = "1";
        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = second.TenantClient(tenant, AdminKey);
        var survived = Assert.Single(await ReturnScenario.DeadLettersAsync(client, id))!;
        Assert.Equal((eventId, 2, "dead"), (survived["eventId"]!.GetValue<string>(), survived["attempts"]!.GetValue<int>(), survived["status"]!.GetValue<string>()));
        using var erpClient = second.TenantClient(erpTenant, AdminKey);
        var parked = Assert.Single(await ConnectorDeadLettersAsync(erpClient))!;
        Assert.Equal(("R-9", 2, "HTTP 503"), (parked["rmaId"]!.GetValue<string>(), parked["attempts"]!.GetValue<int>(), parked["error"]!.GetValue<string>()));
        // The ERP channel carries the dead letter.
        var channel = Assert.Single(JsonNode.Parse(await erpClient.GetStringAsync("/v1/connectors"))!.AsArray(), c => c!["channel"]!.GetValue<string>() == "erp")!;
        Assert.Equal(("erp", 1, "HTTP 503"), (channel["channel"]!.GetValue<string>(), channel["deadLetters"]!.GetValue<int>(), channel["lastError"]!.GetValue<string>()));
        erp.Reject = null;
        Assert.Equal(HttpStatusCode.Accepted, (await erpClient.PostAsync($"/v1/connectors/erp/dead-letters/{parked["id"]}/replay", null)).StatusCode);
        await ReturnScenario.WaitUntilAsync(async () => (await ConnectorDeadLettersAsync(erpClient)).Single()!["status"]!.GetValue<string>() == "replayed");
        var keys = erp.Of(erpTenant).Select(r => r.IdempotencyKey).Distinct();
        Assert.Single(keys);
        Assert.Single(erp.Of(erpTenant), r => r.Status == 201);

        subscriber.Status = StatusCodes.Status204NoContent;
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/{eventId}/replay", null)).StatusCode);
        await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeadLettersAsync(client, id)).Single()!["status"]!.GetValue<string>() == "replayed");
        var delivered = Assert.Single(subscriber.Received);
        Assert.Equal(eventId, delivered.WebhookId);
        Assert.Empty(subscriber.Failures);

        // The old rows go; the replay's own log row stays.
        await ReturnScenario.WaitUntilAsync(async () => await TestEnvironment.CountAsync(Database, "SELECT count(*) FROM webhook_deliveries") == 1);
        var kept = Assert.Single(await ReturnScenario.DeliveriesAsync(client, id))!;
        Assert.True(kept["replay"]!.GetValue<bool>() && kept["delivered"]!.GetValue<bool>());

        // Replayed dead letters go once their replay is older than the retention.
        Assert.Equal(1, await TestEnvironment.CountAsync(Database, "SELECT count(*) FROM webhook_dead_letters"));
        Assert.Equal(1, await TestEnvironment.CountAsync(Database, "SELECT count(*) FROM connector_dead_letters"));
        await TestEnvironment.ExecuteAsync(Database, "UPDATE webhook_dead_letters SET replayed_at = now() - interval '2 hours'");
        await TestEnvironment.ExecuteAsync(Database, "UPDATE connector_dead_letters SET replayed_at = now() - interval '2 hours'");
        await ReturnScenario.WaitUntilAsync(async () => await TestEnvironment.CountAsync(Database,
            "SELECT (SELECT count(*) FROM webhook_dead_letters) + (SELECT count(*) FROM connector_dead_letters)") == 0);
        Assert.Equal(1, await TestEnvironment.CountAsync(Database, "SELECT count(*) FROM webhook_deliveries"));

        // A subscription disabled by a 410 is turned on again and carries on from its checkpoint.
        await using var gone = await WebhookReceiver.StartAsync(StatusCodes.Status410Gone);
        using var goneHttp = second.TenantClient(ApiRequests.NewTenantId(), AdminKey);
        var goneId = await ReturnScenario.SubscribeAsync(goneHttp, gone, "return.requested");
        await ReturnScenario.LoadOrderAsync(goneHttp);
        await ReturnScenario.CreateRmaAsync(goneHttp, "R-1");
        await ReturnScenario.WaitUntilAsync(async () =>
            JsonNode.Parse(await goneHttp.GetStringAsync($"/v1/webhook-subscriptions/{goneId}"))!["status"]!.GetValue<string>() == "disabled");
        Assert.Equal(HttpStatusCode.Conflict, (await goneHttp.PostAsync($"/v1/webhook-subscriptions/{goneId}/dead-letters/replay", null)).StatusCode);
        gone.Status = StatusCodes.Status204NoContent;
        Assert.Equal(HttpStatusCode.OK, (await goneHttp.PostAsync($"/v1/webhook-subscriptions/{goneId}/enable", null)).StatusCode);
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(gone.Received.Any(r => r.Rma == "R-1")));
    }

    private static async Task<JsonArray> ConnectorDeadLettersAsync(HttpClient http) =>
        JsonNode.Parse(await http.GetStringAsync("/v1/connectors/erp/dead-letters"))!.AsArray();
}
