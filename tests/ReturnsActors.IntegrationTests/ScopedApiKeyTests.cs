using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Scoped API keys over real HTTP: scopes narrow the roles, a carrier-scoped key sees and moves only its carrier's
/// returns, keys expire, record their last use and rotate with an overlap.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ScopedApiKeyTests(EmbeddedApiSilo api)
{
    private const string Admin = EmbeddedApiSilo.AdminKey;

    [Fact]
    public async Task ScopedKey_TakesOnlyItsScopes_OverRestAndEvents_EvenWithTheAdminRole()
    {
        var (http, tenant, admin) = await TenantAsync();
        var readOnly = await KeyAsync(http, tenant, new { name = "dashboards", roles = new[] { "admin" }, scopes = new[] { "rmas:read" } });
        await ReturnAsync(http, admin, "RMA-S", unitPrice: 500m);

        using (var read = await http.SendAsync(HttpMethod.Get, "/v1/rmas/RMA-S", readOnly))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        using (var approve = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-S/approve", readOnly, new { }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        }

        using (var order = await http.SendAsync(HttpMethod.Put, "/v1/orders/O-X", readOnly, Order(10m)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, order.StatusCode);
        }

        var batch = await IngestTests.IngestNdJsonAsync(http, readOnly, [IngestTests.Event("s-approve", "rma.approved", "RMA-S", null)]);
        Assert.Equal(403, batch.GetProperty("results")[0].GetProperty("problem").GetProperty("status").GetInt32());
        Assert.Equal("UnderReview", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-S")).GetProperty("status").GetString());

        using var unknown = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin,
            new { name = "typo", roles = new[] { "admin" }, scopes = new[] { "rmas:approve", "rmas:teleport" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.Contains("scopes", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CarrierScopedKey_ActsOnlyOnReturnsLabelledWithItsCarrier()
    {
        var (http, tenant, admin) = await TenantAsync();
        var ups = await KeyAsync(http, tenant, new
        {
            name = "UPS tracking", roles = new[] { "partner" }, scopes = new[] { "events:carrier", "rmas:read" }, carrier = "UPS",
        });
        await ReturnAsync(http, admin, "RMA-UPS", unitPrice: 50m);
        await ReturnAsync(http, admin, "RMA-DHL", unitPrice: 50m);
        await ReturnAsync(http, admin, "RMA-NONE", unitPrice: 50m);
        await LabelAsync(http, admin, "RMA-UPS", "UPS", "1ZSCOPED");
        await LabelAsync(http, admin, "RMA-DHL", "DHL", "JDSCOPED");

        var batch = await IngestTests.IngestNdJsonAsync(http, ups,
        [
            IngestTests.Event("u-1", "carrier.in_transit", "RMA-UPS", null),
            IngestTests.Event("u-2", "carrier.in_transit", "RMA-DHL", null),
            IngestTests.Event("u-3", "carrier.in_transit", "RMA-NONE", null),
        ]);
        Assert.Equal(["applied", "rejected", "rejected"],
            batch.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        Assert.Equal("InTransit", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-UPS")).GetProperty("status").GetString());
        Assert.Equal("AwaitingShipment", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-DHL")).GetProperty("status").GetString());

        using (var delivered = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-UPS/carrier-events", ups, new { kind = "Delivered" }))
        {
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        }

        using (var other = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-DHL/carrier-events", ups, new { kind = "Delivered" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }

        using (var relabel = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-UPS/label", ups, new { carrier = "DHL", trackingNumber = "JDX" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, relabel.StatusCode);
        }

        using (var mine = await http.SendAsync(HttpMethod.Get, "/v1/rmas/RMA-UPS", ups))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }

        using (var theirs = await http.SendAsync(HttpMethod.Get, "/v1/rmas/RMA-DHL", ups))
        {
            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }

        using (var search = await http.SendAsync(HttpMethod.Get, "/v1/rmas", ups))
        {
            Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
        }

        // The partner role may open returns, but not through a key scoped to carrier events.
        using var create = await http.SendAsync(HttpMethod.Post, "/v1/rmas", ups,
            new { rmaId = "RMA-NEW", orderId = "O-50", lines = Line });
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }

    [Fact]
    public async Task Key_RecordsItsLastUse_AndStopsWorkingWhenItExpires()
    {
        var (http, tenant, _) = await TenantAsync();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(4);
        using var created = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin,
            new { name = "short-lived", roles = new[] { "viewer" }, expiresAt });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!;

        using (var before = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key.Key))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        JsonElement listed = default;
        for (var i = 0; i < 50; i++)
        {
            listed = await IngestTests.GetJsonAsync(http, Admin, $"/v1/tenants/{tenant}/api-keys/{key.KeyId}");
            if (listed.GetProperty("lastUsedAt").ValueKind != JsonValueKind.Null)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), listed.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());

        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500));
        using var after = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);

        using var past = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin,
            new { name = "already over", roles = new[] { "viewer" }, expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, past.StatusCode);
    }

    [Fact]
    public async Task Rotation_GivesANewSecretAtOnce_AndTheOldOneWorksOnlyWithinTheOverlap()
    {
        var (http, tenant, _) = await TenantAsync();
        var (keyId, original) = await http.CreateKeyAsync(Admin, tenant, "viewer");

        var first = await RotateAsync(http, tenant, keyId, overlapHours: 1);
        Assert.StartsWith($"ra_live_{keyId}_", first);
        Assert.NotEqual(original, first);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, tenant, first));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, tenant, original));

        var second = await RotateAsync(http, tenant, keyId, overlapHours: 0);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, tenant, second));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, tenant, first));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, tenant, original));

        var listed = await IngestTests.GetJsonAsync(http, Admin, $"/v1/tenants/{tenant}/api-keys/{keyId}");
        Assert.NotEqual(JsonValueKind.Null, listed.GetProperty("rotatedAt").ValueKind);
        Assert.DoesNotContain(second.Split('_', 4)[3], listed.GetRawText());

        using var revoke = await http.SendAsync(HttpMethod.Delete, $"/v1/tenants/{tenant}/api-keys/{keyId}", Admin);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var rotateRevoked = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys/{keyId}/rotate", Admin, new { });
        Assert.Equal(HttpStatusCode.Conflict, rotateRevoked.StatusCode);
    }

    private static readonly object[] Line = [new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" }];

    private static object Order(decimal unitPrice) => new
    {
        channel = "web",
        deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
        currency = "EUR",
        lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "tools", quantity = 50, unitPrice, serialNumbers = Array.Empty<string>() } },
    };

    private async Task<(HttpClient Http, string Tenant, string AdminKey)> TenantAsync()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (_, admin) = await http.CreateKeyAsync(Admin, tenant, "admin");
        return (http, tenant, admin);
    }

    private static async Task<string> KeyAsync(HttpClient http, string tenant, object request)
    {
        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys", Admin, request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!.Key!;
    }

    /// <summary>A return on its own order: above the auto-approve limit (250) it waits for review, below it is authorized.</summary>
    private static async Task ReturnAsync(HttpClient http, string admin, string rmaId, decimal unitPrice)
    {
        var orderId = $"O-{rmaId}";
        using (var order = await http.SendAsync(HttpMethod.Put, $"/v1/orders/{orderId}", admin, Order(unitPrice)))
        {
            Assert.True(order.IsSuccessStatusCode, await order.Content.ReadAsStringAsync());
        }

        using var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, new { rmaId, orderId, lines = Line });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static async Task LabelAsync(HttpClient http, string admin, string rmaId, string carrier, string tracking)
    {
        using var label = await http.SendAsync(HttpMethod.Post, $"/v1/rmas/{rmaId}/label", admin, new { carrier, trackingNumber = tracking });
        Assert.True(label.StatusCode == HttpStatusCode.OK, await label.Content.ReadAsStringAsync());
    }

    private static async Task<string> RotateAsync(HttpClient http, string tenant, string keyId, int overlapHours)
    {
        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/api-keys/{keyId}/rotate", Admin, new { overlapHours });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ApiRequests.CreatedKey>())!.Key!;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string tenant, string key)
    {
        using var response = await http.SendAsync(HttpMethod.Get, $"/v1/tenants/{tenant}", key);
        return response.StatusCode;
    }
}
