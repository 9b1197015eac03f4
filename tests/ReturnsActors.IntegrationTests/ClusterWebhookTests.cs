using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Cluster webhooks keep their checkpoint in PostgreSQL: events logged while the subscriber is down and the silo restarts
/// are all delivered once, in order, after both come back, signed with the secret the first silo stored encrypted.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterWebhookTests() : OwnClusterDatabase("ra_webhooks", "ra_webhook_cluster_test_admin_key_012345")
{
    [Fact]
    public async Task EventsLoggedWhileTheSubscriberIsDown_AreDeliveredOnceInOrder_AfterASiloRestart()
    {
        var settings = ClusterSettings();
        settings["Webhooks:AllowLoopback"] = "true";
        var tenant = ApiRequests.NewTenantId();
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status503ServiceUnavailable);
        string id;
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            using var http = first.TenantClient(tenant, AdminKey);
            id = await ReturnScenario.SubscribeAsync(http, subscriber, "return.*", "label.*");
            await ReturnScenario.LoadOrderAsync(http);
            await ReturnScenario.CreateRmaAsync(http, "R-1");
            await ReturnScenario.CreateRmaAsync(http, "R-2");
            await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeliveriesAsync(http, id)).Count >= 2);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        Assert.Empty(subscriber.Received);
        // The whsec_ secret is stored encrypted (Data Protection, keys in PostgreSQL): the row holds no secret in the clear, and the
        // restarted silo below still signs with it (the receiver verifies every signature).
        var secret = Assert.Single(subscriber.Secrets);
        Assert.Equal(0, await TestEnvironment.CountAsync(Database, $"SELECT count(*) FROM webhook_subscriptions WHERE secret LIKE '%{secret}%' OR secret NOT LIKE 'dp1:%'"));
        Assert.Equal(1, await TestEnvironment.CountAsync(Database, "SELECT count(*) FROM webhook_subscriptions"));
        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = second.TenantClient(tenant, AdminKey);
        subscriber.Status = StatusCodes.Status204NoContent;

        var expected = new List<(string Rma, long Seq)>();
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var events = JsonNode.Parse(await client.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray();
            expected.AddRange(events.Where(e => e!["type"]!.GetValue<string>() is var t && (t.StartsWith("return.", StringComparison.Ordinal)
                || t.StartsWith("label.", StringComparison.Ordinal))).Select(e => (rma, e!["seq"]!.GetValue<long>())));
        }

        Assert.NotEmpty(expected);
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Received.Count >= expected.Count));
        await Task.Delay(1000);
        var received = subscriber.Received.ToList();
        Assert.Empty(subscriber.Failures);
        Assert.Equal(expected.OrderBy(e => e).ToList(), received.Select(r => (r.Rma, r.Seq)).OrderBy(e => e).ToList());
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var seqs = received.Where(r => r.Rma == rma).Select(r => r.Seq).ToList();
            Assert.Equal(seqs.Order().ToList(), seqs);
        }

        // The receiver answers before the engine writes the delivery-log row: wait for the rows.
        await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeliveriesAsync(client, id)).Count(d => d!["delivered"]!.GetValue<bool>()) >= expected.Count);
        var log = await ReturnScenario.DeliveriesAsync(client, id);
        Assert.Contains(log, d => d!["statusCode"]?.GetValue<int>() == 503);
        Assert.Equal(expected.Count, log.Count(d => d!["delivered"]!.GetValue<bool>()));

        // Another tenant does not see the subscription.
        using var other = second.TenantClient(ApiRequests.NewTenantId(), AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
    }
}
