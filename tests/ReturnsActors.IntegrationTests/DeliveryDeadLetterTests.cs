using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own that gives up on an event after three attempts (<c>Webhooks:MaxAttempts=3</c>), delivers webhooks
/// to loopback and posts settlements to a local ERP without quick retries; one POST may take 60 s, so a held receiver is not cut short.</summary>
public sealed class DeadLetterSilo : OwnErpSilo
{
    protected override void Configure(Dictionary<string, string> settings)
    {
        base.Configure(settings);
        settings["Webhooks:AllowLoopback"] = "true";
        settings["Webhooks:MaxAttempts"] = "3";
        settings["Webhooks:TimeoutSeconds"] = "60";
        settings["Connectors:Erp:Retries"] = "0";
        settings["Connectors:Erp:TimeoutSeconds"] = "60";
    }
}

/// <summary>Dead letters and replay of outbound deliveries, against real receivers on loopback (webhook signatures verified with the
/// StandardWebhooks package), and delivery of one tenant while another tenant's receiver hangs.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class DeliveryDeadLetterTests(DeadLetterSilo silo) : IClassFixture<DeadLetterSilo>
{
    [Fact]
    public async Task AnEventTheSubscriberKeepsRefusing_IsDeadLetteredAfterMaxAttempts_LaterEventsAreDelivered_AndAReplayDeliversItOnceWithTheSameWebhookId()
    {
        var countedBefore = await DeadLettersCountedAsync("webhook");
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status204NoContent);
        subscriber.Reject = e => e["rmaId"]!.GetValue<string>() == "R-1";
        var tenant = ApiRequests.NewTenantId();
        using var http = silo.Silo.TenantClient(tenant);
        var id = await ReturnScenario.SubscribeAsync(http, subscriber, "return.requested");
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");
        await ReturnScenario.CreateRmaAsync(http, "R-2");

        // R-1 is refused three times and parked; R-2, logged after it, is delivered.
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Received.Any(r => r.Rma == "R-2")));
        var dead = Assert.Single(await ReturnScenario.DeadLettersAsync(http, id))!;
        Assert.Equal(("R-1", 1L, 3, 500, "dead"), (dead["rmaId"]!.GetValue<string>(), dead["seq"]!.GetValue<long>(), dead["attempts"]!.GetValue<int>(),
            dead["statusCode"]!.GetValue<int>(), dead["status"]!.GetValue<string>()));
        var eventId = dead["eventId"]!.GetValue<string>();
        Assert.Equal(3, subscriber.AttemptIds.Count(a => a == eventId));
        var last = Assert.Single(await ReturnScenario.DeliveriesAsync(http, id), d => d!["deadLettered"]!.GetValue<bool>())!;
        Assert.Equal((eventId, 3, "HTTP 500"), (last["eventId"]!.GetValue<string>(), last["attempt"]!.GetValue<int>(), last["error"]!.GetValue<string>()));
        Assert.Equal("active", JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}"))!["status"]!.GetValue<string>());
        await ReturnScenario.WaitUntilAsync(async () => await DeadLettersCountedAsync("webhook") >= countedBefore + 1);

        // Another tenant sees none of it.
        using (var other = silo.Silo.TenantClient(ApiRequests.NewTenantId()))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}/dead-letters")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/{eventId}/replay", null)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/replay", null)).StatusCode);
        }

        // The subscriber is fixed; the replay carries the same webhook-id, a fresh valid signature, and is delivered once.
        subscriber.Reject = null;
        using (var replay = await http.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/{eventId}/replay", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            Assert.Equal("queued", JsonNode.Parse(await replay.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        }

        await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeadLettersAsync(http, id)).Single()!["status"]!.GetValue<string>() == "replayed");
        using (var again = await http.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/{eventId}/replay", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal("replayed", JsonNode.Parse(await again.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        }

        var all = JsonNode.Parse(await (await http.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/replay", null)).Content.ReadAsStringAsync())!;
        Assert.Equal(0, all["queued"]!.GetValue<int>());
        await Task.Delay(500);
        var replayed = Assert.Single(subscriber.Received, r => r.Rma == "R-1");
        Assert.Equal(eventId, replayed.WebhookId);
        Assert.Empty(subscriber.Failures);
        Assert.Contains(await ReturnScenario.DeliveriesAsync(http, id),
            d => d!["replay"]!.GetValue<bool>() && d["delivered"]!.GetValue<bool>() && d["eventId"]!.GetValue<string>() == eventId);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/evt_unknown/replay", null)).StatusCode);
    }

    [Fact]
    public async Task ADisabledSubscription_RefusesReplay_AndOnceEnabledCarriesOnFromItsCheckpoint()
    {
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status410Gone);
        using var http = silo.Silo.TenantClient(ApiRequests.NewTenantId());
        var id = await ReturnScenario.SubscribeAsync(http, subscriber, "return.requested");
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");
        await ReturnScenario.WaitUntilAsync(async () =>
            JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}"))!["status"]!.GetValue<string>() == "disabled");

        using (var refused = await http.PostAsync($"/v1/webhook-subscriptions/{id}/dead-letters/replay", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        subscriber.Status = StatusCodes.Status204NoContent;
        using (var enabled = await http.PostAsync($"/v1/webhook-subscriptions/{id}/enable", null))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
            Assert.Equal("active", JsonNode.Parse(await enabled.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        }

        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Received.Any(r => r.Rma == "R-1")));
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Silo.TenantClient(ApiRequests.NewTenantId()).PostAsync($"/v1/webhook-subscriptions/{id}/enable", null)).StatusCode);
    }

    [Fact]
    public async Task ASettlementTheErpKeepsRefusing_IsDeadLettered_TheChannelMovesOn_AndAnOperatorsReplayPostsItWithTheSameIdempotencyKey()
    {
        var tenant = ApiRequests.NewTenantId();
        var countedBefore = await DeadLettersCountedAsync("erp");
        silo.Erp.Reject = e => e["tenantId"]!.GetValue<string>() == tenant && e["rmaId"]!.GetValue<string>() == "R-1";
        using var http = silo.Silo.TenantClient(tenant);
        await ReturnScenario.WalkToSettlementAsync(http, "R-1", "O-1");
        await ReturnScenario.WalkToSettlementAsync(http, "R-2", "O-2");

        // R-1 is refused three times and parked; R-2's settlement, after it in the log, is posted.
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(silo.Erp.Of(tenant).Any(r => r.Status == 201)));
        var dead = Assert.Single(JsonNode.Parse(await http.GetStringAsync("/v1/connectors/erp/dead-letters"))!.AsArray())!;
        Assert.Equal(("R-1", 3, "HTTP 503", "dead"), (dead["rmaId"]!.GetValue<string>(), dead["attempts"]!.GetValue<int>(), dead["error"]!.GetValue<string>(),
            dead["status"]!.GetValue<string>()));
        var erp = Assert.Single(JsonNode.Parse(await http.GetStringAsync("/v1/connectors"))!.AsArray(), c => c!["channel"]!.GetValue<string>() == "erp")!;
        Assert.Equal((1, 0), (erp["deadLetters"]!.GetValue<int>(), erp["failedAttempts"]!.GetValue<int>()));
        await ReturnScenario.WaitUntilAsync(async () => await DeadLettersCountedAsync("erp") >= countedBefore + 1);
        var refused = silo.Erp.Of(tenant).Where(r => r.Status == 503).ToList();
        Assert.Equal(3, refused.Count);
        var key = Assert.Single(refused.Select(r => r.IdempotencyKey).Distinct());
        using (var other = silo.Silo.TenantClient(ApiRequests.NewTenantId()))
        {
            Assert.Empty(JsonNode.Parse(await other.GetStringAsync("/v1/connectors/erp/dead-letters"))!.AsArray());
            Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/v1/connectors/erp/dead-letters/{dead["id"]}/replay", null)).StatusCode);
        }

        // The operator lists and replays them with the CLI.
        var url = silo.Silo.Http.BaseAddress!.ToString();
        var listed = await SiloCli.RunAsync("deliveries", "list", "--tenant", tenant, "--channel", "erp", "--url", url);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(dead["id"]!.GetValue<string>(), listed.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await SiloCli.RunAsync("deliveries", "list", "--tenant", tenant, "--url", url)).ExitCode);
        silo.Erp.Reject = null;
        var replay = await SiloCli.RunAsync("deliveries", "replay", "--tenant", tenant, "--channel", "erp", "--url", url);
        Assert.Equal(0, replay.ExitCode);
        Assert.Contains("\"queued\": 1", replay.Output, StringComparison.Ordinal);

        await ReturnScenario.WaitUntilAsync(async () =>
            JsonNode.Parse(await http.GetStringAsync("/v1/connectors/erp/dead-letters"))!.AsArray().Single()!["status"]!.GetValue<string>() == "replayed");
        await Task.Delay(500);
        var posted = Assert.Single(silo.Erp.Of(tenant), r => r.Status == 201 && JsonNode.Parse(r.Body)!["rmaId"]!.GetValue<string>() == "R-1");
        Assert.Equal(key, posted.IdempotencyKey);
        Assert.Equal(0, JsonNode.Parse(await http.GetStringAsync("/v1/connectors"))!.AsArray()
            .Single(c => c!["channel"]!.GetValue<string>() == "erp")!["deadLetters"]!.GetValue<int>());
    }

    [Fact]
    public async Task ATenantWhoseReceiversHang_HoldsBackNoOtherTenant()
    {
        var slow = ApiRequests.NewTenantId();
        var fast = ApiRequests.NewTenantId();
        await using var slowHook = await WebhookReceiver.StartAsync(StatusCodes.Status204NoContent);
        await using var fastHook = await WebhookReceiver.StartAsync(StatusCodes.Status204NoContent);
        slowHook.Hold.When = _ => true;
        silo.Erp.Hold.When = e => e["tenantId"]!.GetValue<string>() == slow;
        try
        {
            using var slowHttp = silo.Silo.TenantClient(slow);
            using var fastHttp = silo.Silo.TenantClient(fast);
            await ReturnScenario.SubscribeAsync(slowHttp, slowHook, "settlement.requested");
            await ReturnScenario.SubscribeAsync(fastHttp, fastHook, "settlement.requested");

            // The slow tenant's subscriber and ERP take its settlement and do not answer.
            await ReturnScenario.WalkToSettlementAsync(slowHttp, "R-1", "O-1");
            await ReturnScenario.WaitUntilAsync(() => Task.FromResult(slowHook.Hold.Held == 1 && silo.Erp.Hold.Held == 1));

            // The other tenant's settlement is delivered and posted meanwhile.
            await ReturnScenario.WalkToSettlementAsync(fastHttp, "R-1", "O-1");
            await ReturnScenario.WaitUntilAsync(() => Task.FromResult(!fastHook.Received.IsEmpty && silo.Erp.Of(fast).Any(r => r.Status == 201)));
            Assert.Equal((1, 1), (slowHook.Hold.Held, silo.Erp.Hold.Held));
            Assert.Empty(slowHook.Received);
            Assert.Empty(silo.Erp.Of(slow));
        }
        finally
        {
            silo.Erp.Hold.When = null;
            slowHook.Hold.Release();
            silo.Erp.Hold.Release();
        }
    }

    /// <summary>How many dead letters of <paramref name="source"/> the silo's Prometheus scrape has counted (0 before the first).</summary>
    private async Task<double> DeadLettersCountedAsync(string source) =>
        (await silo.Silo.Http.GetStringAsync("/metrics")).Split('\n')
            .Where(l => l.StartsWith("returnsactors_dead_letters_total{", StringComparison.Ordinal) && l.Contains($"source=\"{source}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
