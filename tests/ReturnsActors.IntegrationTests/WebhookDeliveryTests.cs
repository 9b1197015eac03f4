using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own with <c>Webhooks:AllowLoopback=true</c> (the shared one keeps the default, false) and fast retries.</summary>
public sealed class WebhookSilo : OwnEmbeddedSilo
{
    protected override void Configure(Dictionary<string, string> settings)
    {
        settings["Webhooks:AllowLoopback"] = "true";
        // "*" subscriptions count the trail exactly; recommendations recorded later by the advisory channel would race that count.
        settings["Connectors:Advisory:Enabled"] = "false";
    }
}

/// <summary>Outbound webhooks against a real subscriber (Kestrel on 127.0.0.1), signatures verified by the StandardWebhooks package.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class WebhookDeliveryTests(WebhookSilo webhookSilo, EmbeddedApiSilo shared) : IClassFixture<WebhookSilo>
{
    [Fact]
    public async Task ASubscriberThatWasDown_GetsEveryEventOnceInSeqOrder_Signed_AndBothSecretsSignDuringRotation()
    {
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status503ServiceUnavailable);
        using var http = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        var (id, secret) = await ReturnScenario.SubscribeAsync(http, subscriber.Url, "*");
        subscriber.Secrets.Add(secret);

        await ReturnScenario.LoadOrderAsync(http);
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            await ReturnScenario.CreateRmaAsync(http, rma);
        }

        (await http.PostAsJsonAsync("/v1/rmas/R-1/label", new { carrier = "UPS", trackingNumber = "1Z1" })).EnsureSuccessStatusCode();

        // Down: attempts fail and are retried, and the log says so.
        await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeliveriesAsync(http, id)).Count(d => d!["statusCode"]?.GetValue<int>() == 503) >= 3);
        Assert.Empty(subscriber.Received);

        subscriber.Status = StatusCodes.Status204NoContent;
        var expected = new List<(string Rma, long Seq)>();
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var events = JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray();
            expected.AddRange(events.Select(e => (rma, e!["seq"]!.GetValue<long>())));
        }

        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Received.Count >= expected.Count));
        await Task.Delay(500);
        var received = subscriber.Received.ToList();
        Assert.Empty(subscriber.Failures);
        Assert.Equal(expected.Count, received.Count);
        Assert.Equal(received.Count, received.Select(r => r.WebhookId).Distinct().Count());
        Assert.Equal(expected.OrderBy(e => e).ToList(), received.Select(r => (r.Rma, r.Seq)).OrderBy(e => e).ToList());
        foreach (var rma in new[] { "R-1", "R-2" })
        {
            var seqs = received.Where(r => r.Rma == rma).Select(r => r.Seq).ToList();
            Assert.Equal(seqs.Order().ToList(), seqs);
        }

        // Rotation: the next delivery carries the new signature and the old one; each verifies with its own secret.
        using var rotated = await http.PostAsync($"/v1/webhook-subscriptions/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newSecret = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", newSecret);
        subscriber.Secrets.Clear();
        subscriber.Secrets.Add(newSecret);
        subscriber.Secrets.Add(secret);
        var before = subscriber.Received.Count;
        await ReturnScenario.CreateRmaAsync(http, "R-3");
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Received.Count > before));
        Assert.Empty(subscriber.Failures);
        Assert.All(subscriber.Received.Skip(before), r => Assert.Equal(2, r.Signatures));

        // The secret is never shown again.
        var read = await http.GetStringAsync($"/v1/webhook-subscriptions/{id}");
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(newSecret, read);
    }

    [Fact]
    public async Task A410_DisablesTheSubscription_AfterOneAttempt()
    {
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status410Gone);
        using var http = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        var (id, _) = await ReturnScenario.SubscribeAsync(http, subscriber.Url, "return.*");
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");

        await ReturnScenario.WaitUntilAsync(async () => JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}"))!["status"]!.GetValue<string>() == "disabled");
        await Task.Delay(500);
        var attempt = Assert.Single(await ReturnScenario.DeliveriesAsync(http, id));
        Assert.Equal(410, attempt!["statusCode"]!.GetValue<int>());
        Assert.Equal(1, subscriber.Attempts);
    }

    [Fact]
    public async Task A429_WaitsForRetryAfter_ThenDelivers()
    {
        await using var subscriber = await WebhookReceiver.StartAsync(StatusCodes.Status429TooManyRequests);
        subscriber.RetryAfter = "1";
        using var http = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        var id = await ReturnScenario.SubscribeAsync(http, subscriber, "return.requested");
        await ReturnScenario.LoadOrderAsync(http);
        await ReturnScenario.CreateRmaAsync(http, "R-1");

        // Without Retry-After this silo retries after 50-100 ms (RetryBaseMilliseconds=100); the receiver asked for 1 s.
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(subscriber.Attempts >= 3));
        var times = subscriber.AttemptTimes.ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(900), $"{pair.Second - pair.First}"));

        subscriber.Status = StatusCodes.Status204NoContent;
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(!subscriber.Received.IsEmpty));
        var delivered = Assert.Single(subscriber.Received);
        Assert.Equal(("R-1", 1L), (delivered.Rma, delivered.Seq));
        Assert.Empty(subscriber.Failures);
        // The receiver answers before the engine writes the delivery-log row: wait for the row, newest first.
        await ReturnScenario.WaitUntilAsync(async () => (await ReturnScenario.DeliveriesAsync(http, id))[0]!["delivered"]!.GetValue<bool>());
        var log = await ReturnScenario.DeliveriesAsync(http, id);
        Assert.True(log[0]!["delivered"]!.GetValue<bool>());
        Assert.Contains(log, d => d!["statusCode"]?.GetValue<int>() == 429);
    }

    [Fact]
    public async Task AnotherTenantsSubscription_Is404_ForEveryOperation()
    {
        using var owner = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        using var other = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        var (id, _) = await ReturnScenario.SubscribeAsync(owner, "https://hooks.example.com/returns", "return.*");

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/webhook-subscriptions/{id}/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/v1/webhook-subscriptions/{id}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Empty(JsonNode.Parse(await other.GetStringAsync("/v1/webhook-subscriptions"))!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/v1/webhook-subscriptions/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("ftp://hooks.example.com/")]
    public async Task InternalTargets_AreRefusedAtCreation_WhenLoopbackIsNotAllowed(string url)
    {
        // The shared silo keeps Webhooks:AllowLoopback at its default, false.
        using var http = (await shared.GetAsync()).TenantClient(ApiRequests.NewTenantId());
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url, eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("url", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CloudMetadata_IsRefused_EvenWhereLoopbackIsAllowed()
    {
        using var http = webhookSilo.Silo.TenantClient(ApiRequests.NewTenantId());
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url = "http://169.254.169.254/", eventTypes = new[] { "*" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
