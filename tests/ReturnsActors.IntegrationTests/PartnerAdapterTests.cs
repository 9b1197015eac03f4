using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;
using static ReturnsActors.IntegrationTests.IngestTests;

namespace ReturnsActors.IntegrationTests;

/// <summary>Each partner adapter at <c>POST /v1/inbound/{partner}</c> with a recorded sample payload (Samples/), signed by an
/// implementation of the partner's scheme written here, independent of the silo's.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class PartnerAdapterTests(EmbeddedApiSilo fixture)
{
    internal const string Secret = "partner-secret-0123456789abcdef";

    [Fact]
    public async Task EasyPostTrackerUpdate_FindsTheReturnByTrackingCode_AndChecksItsHmac()
    {
        var (http, key, tenant) = await TenantAsync();
        await ReturnWithLabelAsync(http, key, "RMA-EP", "9400110898825022579493");
        await SetSecretAsync(http, key, "easypost");
        var sample = Sample("easypost-tracker-updated-in-transit.json");

        using (var ok = await PostAsync(http, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("applied", await StatusOf(ok));
        }

        using (var again = await PostAsync(http, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}")))
        {
            Assert.Equal("duplicate", await StatusOf(again));
        }

        using (var forged = await PostAsync(http, tenant, "easypost", sample.Replace("in_transit", "delivered"), ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        var preTransit = sample.Replace("evt_3f1c9a6e1d2b11efb8c2ac1f6bc539ae", "evt_pre").Replace("\"status\": \"in_transit\",\n    \"status_detail\"", "\"status\": \"pre_transit\",\n    \"status_detail\"");
        using (var ignored = await PostAsync(http, tenant, "easypost", preTransit, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, preTransit)}")))
        {
            Assert.Equal("ignored", await StatusOf(ignored));
        }

        var unknownParcel = sample.Replace("evt_3f1c9a6e1d2b11efb8c2ac1f6bc539ae", "evt_other").Replace("9400110898825022579493", "9400000000000000000000");
        using (var parked = await PostAsync(http, tenant, "easypost", unknownParcel, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, unknownParcel)}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, parked.StatusCode);
            var body = await parked.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("tracking.unknown", body.GetProperty("problem").GetProperty("code").GetString());
        }

        using (var malformed = await PostAsync(http, tenant, "easypost", "{\"object\":\"Event\"", ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, "{\"object\":\"Event\"")}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, malformed.StatusCode);
            Assert.Equal("dead_lettered", await StatusOf(malformed));
        }

        Assert.Equal("InTransit", (await GetJsonAsync(http, key, "/v1/rmas/RMA-EP")).GetProperty("status").GetString());
        Assert.Single(await TrailAsync(http, key, "RMA-EP"), t => t == "shipment.in_transit");
    }

    [Fact]
    public async Task ShippoTrackUpdate_WithItsUrlToken_MarksTheReturnDelivered()
    {
        var (http, key, tenant) = await TenantAsync();
        await ReturnWithLabelAsync(http, key, "RMA-SH", "9205590164917312751089");
        await SetSecretAsync(http, key, "shippo");
        var sample = Sample("shippo-track-updated-delivered.json");

        using (var wrong = await SendAsync(http, tenant, "shippo", sample, [], "&token=guessed-token-000000000", "application/json"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var ok = await SendAsync(http, tenant, "shippo", sample, [], $"&token={Secret}", "application/json"))
        {
            Assert.Equal("applied", await StatusOf(ok));
        }

        Assert.Equal("Delivered", (await GetJsonAsync(http, key, "/v1/rmas/RMA-SH")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ErpCreditMemo_ConfirmsTheSettlementOnce_AndRefusesStaleOrForgedCalls()
    {
        var (http, key, tenant) = await TenantAsync();
        await ReturnWithLabelAsync(http, key, "RMA-ERP", "1ZERP");
        await IngestNdJsonAsync(http, key,
        [
            Event("erp-del", "carrier.delivered", "RMA-ERP", null),
            Event("erp-rcv", "warehouse.received", "RMA-ERP", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true }),
            Event("erp-insp", "warehouse.inspected", "RMA-ERP", new { lines = new[] { new { lineId = "L1", grade = "A" } } }),
        ]);
        foreach (var (action, body) in new (string, object)[] { ("disposition", new { }), ("settle", new { kind = "RefundOriginalPayment" }) })
        {
            using var step = await http.SendAsync(HttpMethod.Post, $"/v1/rmas/RMA-ERP/{action}", key, body);
            Assert.True(step.IsSuccessStatusCode, await step.Content.ReadAsStringAsync());
        }

        await SetSecretAsync(http, key, "erp");
        var sample = Sample("erp-credit-memo-paid.json");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using (var stale = await PostAsync(http, tenant, "erp", sample, TimestampSigned(sample, now - 900)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        }

        using (var forged = await PostAsync(http, tenant, "erp", sample, ("X-RA-Timestamp", now.ToString(CultureInfo.InvariantCulture)), ("X-RA-Signature", "v1=00ff")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        using (var ok = await PostAsync(http, tenant, "erp", sample, TimestampSigned(sample, now)))
        {
            Assert.Equal("applied", await StatusOf(ok));
        }

        using (var again = await PostAsync(http, tenant, "erp", sample, TimestampSigned(sample, now)))
        {
            Assert.Equal("duplicate", await StatusOf(again));
        }

        var view = await GetJsonAsync(http, key, "/v1/rmas/RMA-ERP");
        Assert.Equal("Resolved", view.GetProperty("status").GetString());
        Assert.Contains("CM-104001", view.ToString());
    }

    [Fact]
    public async Task WmsReceiptJson_AndInspectionCsv_RecordWhatTheWarehouseFound_AndABadCsvIsDeadLettered()
    {
        var (http, key, tenant) = await TenantAsync();
        await ReturnWithLabelAsync(http, key, "RMA-WMS", "1ZWMS");
        await SetSecretAsync(http, key, "wms");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var receipt = Sample("wms-receipt.json");
        using (var ok = await PostAsync(http, tenant, "wms", receipt, TimestampSigned(receipt, now)))
        {
            Assert.Equal("applied", await StatusOf(ok));
        }

        Assert.Equal("Received", (await GetJsonAsync(http, key, "/v1/rmas/RMA-WMS")).GetProperty("status").GetString());

        var csv = Sample("wms-inspection.csv");
        using (var inspected = await SendAsync(http, tenant, "wms", csv, TimestampSigned(csv, now), null, "text/csv"))
        {
            Assert.Equal("applied", await StatusOf(inspected));
        }

        using (var resent = await SendAsync(http, tenant, "wms", csv, TimestampSigned(csv, now), null, "text/csv"))
        {
            Assert.Equal("duplicate", await StatusOf(resent));
        }

        Assert.Single(await TrailAsync(http, key, "RMA-WMS"), t => t == "item.inspected");

        const string badCsv = "rma,line\nRMA-WMS,L1\n";
        using (var bad = await SendAsync(http, tenant, "wms", badCsv, TimestampSigned(badCsv, now), null, "text/csv"))
        {
            Assert.Equal(HttpStatusCode.Accepted, bad.StatusCode);
            var body = await bad.Content.ReadFromJsonAsync<JsonElement>();
            var letter = await GetJsonAsync(http, key, $"/v1/dead-letters/{body.GetProperty("deadLetterId").GetString()}");
            Assert.Equal("payload.csv", letter.GetProperty("reasonCode").GetString());
            Assert.Equal(badCsv, letter.GetProperty("body").GetString());
        }
    }

    [Fact]
    public async Task ShopifyReturnRequestThenApproval_OpensAndAuthorizesTheReturn_OnlyWithAValidHmac()
    {
        var (http, key, tenant) = await TenantAsync();
        using (var order = await http.SendAsync(HttpMethod.Put, "/v1/orders/450789469", key, new
        {
            channel = "shopify",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-3),
            currency = "USD",
            lines = new[] { new { orderLineId = "466157049", sku = "IPOD-342-N", category = "apparel", quantity = 1, unitPrice = 400m, serialNumbers = Array.Empty<string>() } },
        }))
        {
            Assert.True(order.IsSuccessStatusCode, await order.Content.ReadAsStringAsync());
        }

        await SetSecretAsync(http, key, "shopify");
        var request = Sample("shopify-returns-request.json");
        using (var forged = await PostAsync(http, tenant, "shopify", request, Shopify("returns/request", "wh-1", Base64Hmac("someone-elses-secret-000", request))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        using (var requested = await PostAsync(http, tenant, "shopify", request, Shopify("returns/request", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", Base64Hmac(Secret, request))))
        {
            Assert.Equal("applied", await StatusOf(requested));
        }

        var opened = await GetJsonAsync(http, key, "/v1/rmas/SHOP-945000969");
        Assert.Equal("450789469", opened.GetProperty("orderId").GetString());
        Assert.NotEqual("Authorized", opened.GetProperty("status").GetString());

        var approve = Sample("shopify-returns-approve.json");
        using (var approved = await PostAsync(http, tenant, "shopify", approve, Shopify("returns/approve", "0f3b1a52-1f0e-4c1d-9f36-3f7a2c0e5b11", Base64Hmac(Secret, approve))))
        {
            Assert.Equal("applied", await StatusOf(approved));
        }

        using (var redelivered = await PostAsync(http, tenant, "shopify", approve, Shopify("returns/approve", "0f3b1a52-1f0e-4c1d-9f36-3f7a2c0e5b11", Base64Hmac(Secret, approve))))
        {
            Assert.Equal("duplicate", await StatusOf(redelivered));
        }

        Assert.Equal("Authorized", (await GetJsonAsync(http, key, "/v1/rmas/SHOP-945000969")).GetProperty("status").GetString());
        Assert.Single(await TrailAsync(http, key, "SHOP-945000969"), t => t == "return.authorized");
    }

    [Fact]
    public async Task UnknownPartner_Is404_AndNoSecret_Is401()
    {
        var (http, _, tenant) = await TenantAsync();
        using (var unknown = await PostAsync(http, tenant, "pigeon-post", "{}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using var unsigned = await PostAsync(http, tenant, "erp", Sample("erp-credit-memo-paid.json"), TimestampSigned("{}", DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    private async Task<(HttpClient Http, string Key, string Tenant)> TenantAsync()
    {
        var silo = await fixture.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, key) = await silo.Http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        return (silo.Http, key, tenant);
    }

    [Fact]
    public async Task EasyPostTrackerUpdate_FindsAReturnWhoseLabelWasRecordedThroughTheRestEndpoint()
    {
        var (http, key, tenant) = await TenantAsync();
        await OrderAsync(http, key, "ORD-REST");
        using (var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", key, new
        {
            rmaId = "RMA-REST",
            orderId = "ORD-REST",
            lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" } },
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using (var label = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-REST/label", key, new { carrier = "USPS", trackingNumber = "9400110898825022579493" }))
        {
            Assert.True(label.IsSuccessStatusCode, await label.Content.ReadAsStringAsync());
        }

        await SetSecretAsync(http, key, "easypost");
        var sample = Sample("easypost-tracker-updated-in-transit.json");
        using (var ok = await PostAsync(http, tenant, "easypost", sample, ("X-Hmac-Signature", $"hmac-sha256-hex={HexHmac(Secret, sample)}")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("applied", await StatusOf(ok));
        }

        Assert.Equal("InTransit", (await GetJsonAsync(http, key, "/v1/rmas/RMA-REST")).GetProperty("status").GetString());
    }

    private static async Task ReturnWithLabelAsync(HttpClient http, string key, string rmaId, string trackingNumber)
    {
        await OrderAsync(http, key, $"ORD-{rmaId}");
        var created = await IngestNdJsonAsync(http, key,
        [
            Event($"{rmaId}-req", "rma.requested", rmaId, Requested($"ORD-{rmaId}")),
            Event($"{rmaId}-label", "carrier.label_created", rmaId, new { carrier = "USPS", trackingNumber }),
        ]);
        Assert.Equal(2, created.GetProperty("applied").GetInt32());
    }

    private static async Task SetSecretAsync(HttpClient http, string key, string partner)
    {
        using var response = await http.SendAsync(HttpMethod.Put, $"/v1/inbound/{partner}/secret", key, new { secret = Secret });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    internal static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    internal static Task<HttpResponseMessage> PostAsync(HttpClient http, string tenant, string partner, string body,
        params (string Name, string Value)[] headers) => SendAsync(http, tenant, partner, body, headers, null, "application/json");

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string tenant, string partner, string body,
        (string Name, string Value)[] headers, string? query, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/inbound/{partner}?tenant={tenant}{query}");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        request.Content = new StringContent(body, Encoding.UTF8, contentType);
        return await http.SendAsync(request);
    }

    private static async Task<string?> StatusOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("status").GetString();
    }

    internal static string HexHmac(string secret, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static string Base64Hmac(string secret, string body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>The headers of the <c>carrier</c>/<c>erp</c>/<c>wms</c> scheme: <c>v1=hex(HMAC-SHA256(secret, "{timestamp}.{body}"))</c>.</summary>
    internal static (string, string)[] TimestampSigned(string body, long timestamp, string secret = Secret) =>
    [
        ("X-RA-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture)),
        ("X-RA-Signature", $"v1={HexHmac(secret, $"{timestamp}.{body}")}"),
    ];

    private static (string, string)[] Shopify(string topic, string webhookId, string hmac) =>
    [
        ("X-Shopify-Topic", topic),
        ("X-Shopify-Webhook-Id", webhookId),
        ("X-Shopify-Shop-Domain", "returns-demo.myshopify.com"),
        ("X-Shopify-Hmac-Sha256", hmac),
    ];
}
