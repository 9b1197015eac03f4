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

    /// <summary>The models train on first use: 503 with Retry-After until then.</summary>
    private static async Task<JsonElement> EventuallyOkAsync(HttpClient http, HttpMethod method, string path, string key, object? body)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await http.SendAsync(method, path, key, body);
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
