using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>The advisory endpoints on a real silo: a recommendation with reasons and model version, advisory only,
/// with a case summary; reason triage; another tenant's return is 404.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class AdvisoryApiTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task AReturn_GetsAnExplainedAdvisoryRecommendation_AndFreeTextIsTriaged()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, admin) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        using (var order = await http.SendAsync(HttpMethod.Put, "/v1/orders/O-1", admin, new
        {
            channel = "web", deliveredAt = DateTimeOffset.UtcNow.AddDays(-3), currency = "EUR", customerId = "C-1",
            lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 2, unitPrice = 40m, serialNumbers = Array.Empty<string>() } },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, order.StatusCode);
        }

        using (var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, new
        {
            rmaId = "R-1", orderId = "O-1",
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var recommendation = await EventuallyOkAsync(http, HttpMethod.Get, "/v1/rmas/R-1/recommendation", admin, null);
        Assert.Contains(recommendation.GetProperty("action").GetString(), new[] { "approve", "replace", "refund", "store_credit", "manual_review", "decline" });
        Assert.InRange(recommendation.GetProperty("confidence").GetDouble(), 0.0, 1.0);
        Assert.NotEmpty(recommendation.GetProperty("reasons").EnumerateArray());
        Assert.StartsWith("adv-", recommendation.GetProperty("modelVersion").GetString());
        Assert.Equal("Advisory", recommendation.GetProperty("mode").GetString());
        Assert.Contains("R-1", recommendation.GetProperty("summary").GetString());

        var triage = await EventuallyOkAsync(http, HttpMethod.Post, "/v1/advisory/triage", admin, new { text = "the parcel arrived crushed and the item inside is broken from shipping" });
        Assert.Equal("TransitDamage", triage.GetProperty("class").GetString());

        var other = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, other);
        var (_, otherAdmin) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, other, "admin");
        using var foreign = await http.SendAsync(HttpMethod.Get, "/v1/rmas/R-1/recommendation", otherAdmin);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task APostedRecommendation_IsRecordedOncePerIdempotencyKey_AsAdviceOnTheDefaultPolicy_AndAnOverrideIsAudited()
    {
        var http = (await api.GetAsync()).Http;

        // A tenant on the default policy: the return stays under review, and the recommendation is recorded as advice (the automatic
        // channel records its own for the new return; automatic application is covered by AutomaticAdviceTests).
        var (_, plainAdmin) = await TenantWithReturnUnderReviewAsync(http, null);
        var advice = await EventuallyOkAsync(http, HttpMethod.Post, "/v1/rmas/R-1/recommendation", plainAdmin, new { }, "rec-key-1");
        Assert.Equal("Advisory", advice.GetProperty("mode").GetString());
        Assert.Equal("UnderReview", advice.GetProperty("rma").GetProperty("status").GetString());
        using (var again = await http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/recommendation", plainAdmin, new { }, idempotencyKey: "rec-key-1"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var plainTrail = await EventsAsync(http, plainAdmin, "R-1");
        var posted = Assert.Single(plainTrail, e => e.GetProperty("type").GetString() == "recommendation.issued" && e.GetProperty("commandId").GetString() == "rec-key-1");
        var recorded = Data(posted);
        Assert.Equal("advisory", recorded.GetProperty("mode").GetString());
        Assert.Equal(advice.GetProperty("modelVersion").GetString(), recorded.GetProperty("modelVersion").GetString());
        Assert.Equal($"advisor:{advice.GetProperty("modelVersion").GetString()}", posted.GetProperty("actor").GetString());
        Assert.DoesNotContain(plainTrail, e => e.GetProperty("type").GetString() == "return.authorized");

        // The agent overrides it; the override lands in the audit trail with the model version and the caller as actor.
        var chosen = advice.GetProperty("action").GetString() == "decline" ? "approve" : "decline";
        using (var overridden = await http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/recommendation/override", plainAdmin, new { chosenAction = chosen, note = "known customer" }))
        {
            Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        }

        var overrideEvent = (await EventsAsync(http, plainAdmin, "R-1")).Last(e => e.GetProperty("type").GetString() == "recommendation.overridden");
        Assert.False(string.IsNullOrEmpty(overrideEvent.GetProperty("actor").GetString()));
        Assert.DoesNotContain("advisor:", overrideEvent.GetProperty("actor").GetString());
        var overrideData = Data(overrideEvent);
        Assert.Equal(chosen, overrideData.GetProperty("chosenAction").GetString());
        Assert.Equal(advice.GetProperty("action").GetString(), overrideData.GetProperty("recommendedAction").GetString());
        Assert.Equal(advice.GetProperty("modelVersion").GetString(), overrideData.GetProperty("modelVersion").GetString());

        // Another tenant sees none of it.
        var other = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, other);
        var (_, otherAdmin) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, other, "admin");
        using (var foreign = await http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/recommendation", otherAdmin, new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        }

        using (var foreignOverride = await http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/recommendation/override", otherAdmin, new { chosenAction = "decline" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, foreignOverride.StatusCode);
        }
    }

    /// <summary>A new tenant (with the given policy published, if any) and its return R-1 of 300 EUR, above the default
    /// auto-approve limit of 250, so it waits under review.</summary>
    private static async Task<(string Tenant, string Admin)> TenantWithReturnUnderReviewAsync(HttpClient http, object? policy)
    {
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, admin) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        if (policy is not null)
        {
            using var draft = await http.SendAsync(HttpMethod.Put, "/v1/policies/draft", admin, policy);
            Assert.Equal(HttpStatusCode.OK, draft.StatusCode);
            using var published = await http.SendAsync(HttpMethod.Post, "/v1/policies/draft/publish", admin, new { });
            Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        }

        using (var order = await http.SendAsync(HttpMethod.Put, "/v1/orders/O-1", admin, new
        {
            channel = "web", deliveredAt = DateTimeOffset.UtcNow.AddDays(-3), currency = "EUR", customerId = "C-9",
            lines = new[] { new { orderLineId = "1", sku = "SKU-9", category = "apparel", quantity = 2, unitPrice = 150m, serialNumbers = Array.Empty<string>() } },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, order.StatusCode);
        }

        using var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, new
        {
            rmaId = "R-1", orderId = "O-1",
            lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "CHANGED_MIND", reasonClass = "Convenience" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("UnderReview", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        return (tenant, admin);
    }

    private static async Task<List<JsonElement>> EventsAsync(HttpClient http, string key, string rmaId)
    {
        using var response = await http.SendAsync(HttpMethod.Get, $"/v1/rmas/{rmaId}/events", key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").EnumerateArray().ToList();
    }

    private static JsonElement Data(JsonElement e) => JsonDocument.Parse(e.GetProperty("dataJson").GetString()!).RootElement;

    /// <summary>The models train on first use: 503 with Retry-After until then.</summary>
    private static async Task<JsonElement> EventuallyOkAsync(HttpClient http, HttpMethod method, string path, string key, object? body, string? idempotencyKey = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await http.SendAsync(method, path, key, body, idempotencyKey: idempotencyKey);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline,
                $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.RetryAfter is not null);
            await Task.Delay(500);
        }
    }
}
