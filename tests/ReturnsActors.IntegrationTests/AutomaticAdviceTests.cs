using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Issue 9 on a real silo: every new return and every exception gets one recommendation on its trail without anyone asking;
/// it is applied, in the same command, only where the policy in force for the return's business unit (else its tenant) allows;
/// features come from real orders and the event log and move the recommendation; overrides move the KPIs.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class AutomaticAdviceTests(EmbeddedApiSilo api)
{
    [Fact]
    public async Task ANewReturn_AndAHold_EachGetOneRecommendationWithoutAnyCall_AndAnOverrideMovesTheOverrideRate()
    {
        using var http = await TenantClientAsync(api);
        await PutOrderAsync(http, "O-1", daysAgo: 3, category: "apparel", price: 40m, customerId: "C-1", tier: "gold", warrantyMonths: 24);
        await CreateAsync(http, "R-1", "O-1", "Convenience");

        var first = Assert.Single(await RecommendationsEventuallyAsync(http, "R-1", 1));
        var model = first.Data.GetProperty("modelVersion").GetString()!;
        Assert.StartsWith("adv-", model);
        Assert.Equal($"advisor:{model}", first.Event.GetProperty("actor").GetString());
        Assert.Equal("advice:1", first.Event.GetProperty("commandId").GetString());
        Assert.Equal(1, first.Data.GetProperty("triggerSeq").GetInt64());
        Assert.Equal("advisory", first.Data.GetProperty("mode").GetString());
        Assert.NotEmpty(first.Data.GetProperty("reasons").EnumerateArray());
        Assert.DoesNotContain(first.Data.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.Contains("customer tier standard"));

        (await http.PostAsJsonAsync("/v1/rmas/R-1/hold", new { reason = "pending_approval" })).EnsureSuccessStatusCode();
        var holdSeq = (await TrailAsync(http, "R-1")).Last(e => Type(e) == "return.hold_placed").GetProperty("seq").GetInt64();
        var both = await RecommendationsEventuallyAsync(http, "R-1", 2);
        Assert.Equal(holdSeq, both[1].Data.GetProperty("triggerSeq").GetInt64());
        Assert.Equal($"advice:{holdSeq}", both[1].Event.GetProperty("commandId").GetString());

        // A new return held for fraud at once raises two triggers in one command (requested, hold placed): one answer, for seq 1.
        await PutOrderAsync(http, "O-2", daysAgo: 3, category: "apparel", price: 40m);
        await CreateAsync(http, "R-2", "O-2", "Convenience", fraudSignal: true);
        Assert.Contains(await TrailAsync(http, "R-2"), e => Type(e) == "return.hold_placed");
        Assert.Equal("advice:1", Assert.Single(await RecommendationsEventuallyAsync(http, "R-2", 1)).Event.GetProperty("commandId").GetString());

        // Nothing more arrives: each trigger was answered exactly once.
        await Task.Delay(1500);
        Assert.Equal(2, (await RecommendationsAsync(http, "R-1")).Count);
        Assert.Single(await RecommendationsAsync(http, "R-2"));
        var kpis = await AdvisoryKpisAsync(http);
        Assert.Equal(3, kpis.GetProperty("issued").GetInt32());
        Assert.Equal(0, kpis.GetProperty("overridden").GetInt32());

        var recommended = both[1].Data.GetProperty("action").GetString();
        var chosen = recommended == "decline" ? "approve" : "decline";
        (await http.PostAsJsonAsync("/v1/rmas/R-1/recommendation/override", new { chosenAction = chosen, note = "known customer" })).EnsureSuccessStatusCode();
        var overridden = Data((await TrailAsync(http, "R-1")).Last(e => Type(e) == "recommendation.overridden"));
        Assert.Equal(recommended, overridden.GetProperty("recommendedAction").GetString());
        Assert.Equal(model, overridden.GetProperty("modelVersion").GetString());
        kpis = await AdvisoryKpisAsync(http);
        Assert.Equal(1, kpis.GetProperty("overridden").GetInt32());
        Assert.Equal(0.3333, kpis.GetProperty("overrideRate").GetDouble());
        Assert.Equal(0.6667, kpis.GetProperty("agreementRate").GetDouble());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AutoApproval_FollowsThePolicyOfTheReturnsBusinessUnit_ElseItsTenant_InOneCommandWithItsRecommendation(bool tenantAllows)
    {
        using var http = await TenantClientAsync(api);
        var allow = new { advisoryAutoApplyActions = new[] { "approve" }, advisoryMinConfidence = 0.5 };
        var advisoryOnly = new { advisoryAutoApplyActions = Array.Empty<string>() };
        await PublishAsync(http, tenantAllows ? allow : advisoryOnly, null);
        await PublishAsync(http, tenantAllows ? advisoryOnly : allow, "bu-one");

        // 2 x 150 EUR is above the auto-approve limit of 250: both returns wait under review for the advisor.
        await PutOrderAsync(http, "O-BU", daysAgo: 3, category: "apparel", price: 150m, quantity: 2, businessUnit: "bu-one");
        await PutOrderAsync(http, "O-T", daysAgo: 3, category: "apparel", price: 150m, quantity: 2);
        await CreateAsync(http, "R-BU", "O-BU", "Convenience", quantity: 2);
        await CreateAsync(http, "R-T", "O-T", "Convenience", quantity: 2);

        var (applied, advised) = tenantAllows ? ("R-T", "R-BU") : ("R-BU", "R-T");
        var auto = Assert.Single(await RecommendationsEventuallyAsync(http, applied, 1));
        Assert.Equal("approve", auto.Data.GetProperty("action").GetString());
        Assert.Equal("auto_applied", auto.Data.GetProperty("mode").GetString());
        Assert.True(auto.Data.GetProperty("confidence").GetDouble() >= 0.5);
        var trail = await TrailAsync(http, applied);
        var authorized = Assert.Single(trail, e => Type(e) == "return.authorized");
        Assert.Equal(auto.Event.GetProperty("seq").GetInt64() + 1, authorized.GetProperty("seq").GetInt64());
        Assert.Equal(auto.Event.GetProperty("commandId").GetString(), authorized.GetProperty("commandId").GetString());
        Assert.Equal(auto.Event.GetProperty("actor").GetString(), authorized.GetProperty("actor").GetString());
        Assert.Equal("Authorized", (await http.GetFromJsonAsync<JsonElement>($"/v1/rmas/{applied}")).GetProperty("status").GetString());

        var advice = Assert.Single(await RecommendationsEventuallyAsync(http, advised, 1));
        Assert.Equal("advisory", advice.Data.GetProperty("mode").GetString());
        Assert.Contains("policy does not allow automatic approve", advice.Data.GetProperty("why").GetString());
        Assert.DoesNotContain(await TrailAsync(http, advised), e => Type(e) == "return.authorized");
        Assert.Equal("UnderReview", (await http.GetFromJsonAsync<JsonElement>($"/v1/rmas/{advised}")).GetProperty("status").GetString());
        Assert.Equal(1, (await AdvisoryKpisAsync(http)).GetProperty("autoApplied").GetInt32());
    }

    [Fact]
    public async Task RealFeatures_MoveTheRecommendation_TierWarrantyAndSkuFamilyDefectHistory()
    {
        using var http = await TenantClientAsync(api);
        await PublishAsync(http, new { defaultReturnWindowDays = 60 }, null);

        // Warranty: a defect 10 days after delivery is replaced while warranty is left, refunded without one.
        await PutOrderAsync(http, "O-W24", daysAgo: 10, category: "blenders", price: 80m, warrantyMonths: 24);
        await PutOrderAsync(http, "O-W0", daysAgo: 10, category: "blenders", price: 80m, warrantyMonths: 0);
        // Tier: a convenience return 45 days after delivery is approved for gold, store credit for standard.
        await PutOrderAsync(http, "O-GOLD", daysAgo: 45, category: "apparel", price: 50m, tier: "gold", warrantyMonths: 0);
        await PutOrderAsync(http, "O-STD", daysAgo: 45, category: "apparel", price: 50m, tier: "standard", warrantyMonths: 0);
        // SKU family: a defect 35 days after delivery, without warranty, is refunded for a family that often comes back defective
        // (2 of the 10 kettles returned lately were defective) and declined for one that does not (none of 10 toasters).
        await PutOrderAsync(http, "O-HIST", daysAgo: 5, category: "kettles", price: 30m, quantity: 10, secondCategory: "toasters");
        await CreateAsync(http, "R-HIST-K1", "O-HIST", "Defect", quantity: 2);
        await CreateAsync(http, "R-HIST-K2", "O-HIST", "Convenience", quantity: 8);
        await CreateAsync(http, "R-HIST-T", "O-HIST", "Convenience", quantity: 10, orderLineId: "2");
        await PutOrderAsync(http, "O-KETTLE", daysAgo: 35, category: "kettles", price: 60m, warrantyMonths: 0);
        await PutOrderAsync(http, "O-TOASTER", daysAgo: 35, category: "toasters", price: 60m, warrantyMonths: 0);
        foreach (var (rma, order, reason) in new[]
        {
            ("R-W24", "O-W24", "Defect"), ("R-W0", "O-W0", "Defect"), ("R-GOLD", "O-GOLD", "Convenience"), ("R-STD", "O-STD", "Convenience"),
            ("R-KETTLE", "O-KETTLE", "Defect"), ("R-TOASTER", "O-TOASTER", "Defect"),
        })
        {
            await CreateAsync(http, rma, order, reason);
        }

        var w24 = await PreviewAsync(http, "R-W24");
        var w0 = await PreviewAsync(http, "R-W0");
        Assert.Equal(24, w24.GetProperty("features").GetProperty("warrantyMonthsLeft").GetInt32());
        Assert.Equal(0, w0.GetProperty("features").GetProperty("warrantyMonthsLeft").GetInt32());
        Assert.Equal("replace", w24.GetProperty("action").GetString());
        Assert.Equal("refund", w0.GetProperty("action").GetString());

        var gold = await PreviewAsync(http, "R-GOLD");
        var standard = await PreviewAsync(http, "R-STD");
        Assert.Equal("approve", gold.GetProperty("action").GetString());
        Assert.Equal("store_credit", standard.GetProperty("action").GetString());
        Assert.DoesNotContain(gold.GetProperty("defaulted").EnumerateArray(), d => d.GetString()!.Contains("tier"));

        var kettle = await PreviewAsync(http, "R-KETTLE");
        var toaster = await PreviewAsync(http, "R-TOASTER");
        Assert.Equal(0.2, kettle.GetProperty("features").GetProperty("skuFamilyDefectRate").GetDouble(), 6);
        Assert.Equal(0.0, toaster.GetProperty("features").GetProperty("skuFamilyDefectRate").GetDouble());
        Assert.Equal("refund", kettle.GetProperty("action").GetString());
        Assert.Equal("decline", toaster.GetProperty("action").GetString());

        // A family without enough history takes the typical rate, and the recommendation says so.
        Assert.Contains(w24.GetProperty("defaulted").EnumerateArray(), d => d.GetString()!.StartsWith("defaulted: SKU family defect rate"));
        var recorded = Assert.Single(await RecommendationsEventuallyAsync(http, "R-W24", 1));
        Assert.Contains(recorded.Data.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("defaulted: SKU family defect rate"));
    }

    internal sealed record Issued(JsonElement Event, JsonElement Data);

    internal static async Task<HttpClient> TenantClientAsync(EmbeddedApiSilo api)
    {
        var silo = await api.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        return Client(silo.Http.BaseAddress!, EmbeddedApiSilo.AdminKey, tenant);
    }

    internal static HttpClient Client(Uri baseAddress, string adminKey, string tenant)
    {
        var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);
        return http;
    }

    internal static async Task PutOrderAsync(HttpClient http, string orderId, int daysAgo, string category, decimal price, int quantity = 1,
        string? customerId = null, string? tier = null, int? warrantyMonths = null, string? businessUnit = null, string? secondCategory = null)
    {
        var lines = new List<object> { new { orderLineId = "1", sku = $"SKU-{category}", category, quantity, unitPrice = price, serialNumbers = Array.Empty<string>(), warrantyMonths } };
        if (secondCategory is not null)
        {
            lines.Add(new { orderLineId = "2", sku = $"SKU-{secondCategory}", category = secondCategory, quantity, unitPrice = price, serialNumbers = Array.Empty<string>(), warrantyMonths });
        }

        using var response = await http.PutAsJsonAsync($"/v1/orders/{orderId}", new
        {
            channel = "web", deliveredAt = DateTimeOffset.UtcNow.AddDays(-daysAgo), currency = "EUR", businessUnit, customerId, customerTier = tier, lines,
        });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    internal static async Task CreateAsync(HttpClient http, string rmaId, string orderId, string reasonClass, int quantity = 1, string orderLineId = "1",
        bool fraudSignal = false)
    {
        using var response = await http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId, orderId, fraudSignal, lines = new[] { new { orderLineId, quantity, reasonCode = reasonClass.ToUpperInvariant(), reasonClass } },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task PublishAsync(HttpClient http, object policy, string? businessUnit)
    {
        var query = businessUnit is null ? "" : $"?businessUnit={businessUnit}";
        using var draft = await http.PutAsJsonAsync($"/v1/policies/draft{query}", policy);
        Assert.True(draft.StatusCode == HttpStatusCode.OK, await draft.Content.ReadAsStringAsync());
        using var published = await http.PostAsJsonAsync($"/v1/policies/draft/publish{query}", new { });
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> PreviewAsync(HttpClient http, string rmaId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await http.GetAsync($"/v1/rmas/{rmaId}/recommendation");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline, await response.Content.ReadAsStringAsync());
            await Task.Delay(500);
        }
    }

    internal static async Task<List<JsonElement>> TrailAsync(HttpClient http, string rmaId) =>
        (await http.GetFromJsonAsync<JsonElement>($"/v1/rmas/{rmaId}/events")).GetProperty("events").EnumerateArray().ToList();

    internal static async Task<List<Issued>> RecommendationsAsync(HttpClient http, string rmaId) =>
        (await TrailAsync(http, rmaId)).Where(e => Type(e) == "recommendation.issued").Select(e => new Issued(e, Data(e))).ToList();

    /// <summary>The return's recommendations once there are at least <paramref name="count"/> (the channel records them shortly after the trigger).</summary>
    internal static async Task<List<Issued>> RecommendationsEventuallyAsync(HttpClient http, string rmaId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var issued = await RecommendationsAsync(http, rmaId);
            if (issued.Count >= count)
            {
                return issued;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{rmaId} has {issued.Count} recommendation(s), expected {count}");
            await Task.Delay(250);
        }
    }

    private static async Task<JsonElement> AdvisoryKpisAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/v1/kpis")).GetProperty("advisory");

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    private static JsonElement Data(JsonElement e) => JsonDocument.Parse(e.GetProperty("dataJson").GetString()!).RootElement;
}
