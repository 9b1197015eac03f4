using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>The steps outbound-delivery tests share: an order, returns, a settlement, webhook subscriptions and their logs.</summary>
internal static class ReturnScenario
{
    /// <summary>A client acting as the platform admin (<paramref name="adminKey"/>) for <paramref name="tenant"/>.</summary>
    public static HttpClient TenantClient(this SiloProcess silo, string tenant, string adminKey = EmbeddedApiSilo.AdminKey)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        return http;
    }

    public static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient http, string url, params string[] eventTypes)
    {
        using var response = await http.PostAsJsonAsync("/v1/webhook-subscriptions", new { url, eventTypes, description = "test" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var created = JsonNode.Parse(body)!;
        return (created["subscription"]!["id"]!.GetValue<string>(), created["secret"]!.GetValue<string>());
    }

    /// <summary>Subscribes <paramref name="receiver"/> and gives it the secret to verify with; the subscription id.</summary>
    public static async Task<string> SubscribeAsync(HttpClient http, WebhookReceiver receiver, params string[] eventTypes)
    {
        var (id, secret) = await SubscribeAsync(http, receiver.Url, eventTypes);
        receiver.Secrets.Add(secret);
        return id;
    }

    public static async Task<JsonArray> DeliveriesAsync(HttpClient http, string id) =>
        JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}/deliveries"))!.AsArray();

    /// <summary>The subscription's dead letters, newest first.</summary>
    public static async Task<JsonArray> DeadLettersAsync(HttpClient http, string id) =>
        JsonNode.Parse(await http.GetStringAsync($"/v1/webhook-subscriptions/{id}/dead-letters"))!.AsArray();

    public static async Task LoadOrderAsync(HttpClient http, string orderId = "O-1", string? customerEmail = null, string? customerLanguage = null) =>
        (await http.PutAsJsonAsync($"/v1/orders/{orderId}", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            customerEmail,
            customerLanguage,
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 5, unitPrice = 10m, serialNumbers = Array.Empty<string>() } },
        })).EnsureSuccessStatusCode();

    public static async Task CreateRmaAsync(HttpClient http, string rma, string orderId = "O-1", int quantity = 1)
    {
        using var created = await http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = rma,
            orderId,
            lines = new[] { new { orderLineId = "1", quantity, reasonCode = "SIZE", reasonClass = "Convenience" } },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the webhook deliveries.");
            await Task.Delay(100);
        }
    }

    /// <summary>Opens a defect return for two drills of order <paramref name="orderId"/> and walks it to <c>settlement.requested</c>;
    /// the seq of that event.</summary>
    public static async Task<long> WalkToSettlementAsync(HttpClient http, string rma, string orderId)
    {
        (await http.PutAsJsonAsync($"/v1/orders/{orderId}", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-DRILL", category = "tools", quantity = 2, unitPrice = 80m, serialNumbers = Array.Empty<string>() } },
        })).EnsureSuccessStatusCode();
        using (var created = await http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = rma,
            orderId,
            lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "BROKEN", reasonClass = "Defect" } },
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        await StepAsync(http, rma, "label", new { carrier = "UPS", trackingNumber = "1Z9" });
        await StepAsync(http, rma, "carrier-events", new { kind = "Delivered" });
        await StepAsync(http, rma, "receive", new { lines = new[] { new { lineId = "L1", quantity = 2 } }, final = true });
        await StepAsync(http, rma, "inspect", new { lines = new[] { new { lineId = "L1", grade = "D", conditionNotes = "motor burnt" } } });
        await StepAsync(http, rma, "disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } });
        await StepAsync(http, rma, "settle", new { kind = "CreditMemo" });
        return JsonNode.Parse(await http.GetStringAsync($"/v1/rmas/{rma}/events"))!["events"]!.AsArray()
            .Single(e => e!["type"]!.GetValue<string>() == "settlement.requested")!["seq"]!.GetValue<long>();
    }

    private static async Task StepAsync(HttpClient http, string rma, string step, object body)
    {
        using var response = await http.PostAsJsonAsync($"/v1/rmas/{rma}/{step}", body);
        Assert.True(response.IsSuccessStatusCode, $"{step}: {await response.Content.ReadAsStringAsync()}");
    }
}
