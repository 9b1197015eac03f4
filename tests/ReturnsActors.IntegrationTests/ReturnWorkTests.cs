using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>Returns, tasks and policies through tenant API keys: roles, tenant isolation, and the loop from a
/// return that needs a person to the person's decision.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ReturnWorkTests(EmbeddedApiSilo api)
{
    private const string Admin = EmbeddedApiSilo.AdminKey;

    [Fact]
    public async Task EveryReturnResource_OfAnotherTenant_Is404_AndRolesLimitWhatAKeyMayDo()
    {
        var http = (await api.GetAsync()).Http;
        var (tenantA, tenantB) = (ApiRequests.NewTenantId(), ApiRequests.NewTenantId());
        await http.CreateTenantAsync(Admin, tenantA);
        await http.CreateTenantAsync(Admin, tenantB);
        var (_, adminA) = await http.CreateKeyAsync(Admin, tenantA, "admin");
        var (_, viewerA) = await http.CreateKeyAsync(Admin, tenantA, "viewer");
        var (_, adminB) = await http.CreateKeyAsync(Admin, tenantB, "admin");

        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Put, "/v1/orders/O-1", adminA, Order()));
        await Expect(HttpStatusCode.Created, http.SendAsync(HttpMethod.Post, "/v1/rmas", adminA, NewReturn("R-1")));
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Put, "/v1/policies/draft", adminA, new { defaultReturnWindowDays = 45 }));

        // Tenant B cannot see or touch any of it: the same 404 as for ids that do not exist.
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Get, "/v1/rmas/R-1", adminB));
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/cancel", adminB, new { by = "Merchant" }));
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Get, "/v1/rmas/R-1/events", adminB));
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Get, "/v1/orders/O-1", adminB));
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Get, "/v1/policies/draft", adminB));
        using (var list = await http.SendAsync(HttpMethod.Get, "/v1/rmas", adminB))
        {
            Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray());
        }

        // A viewer reads but does not decide.
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Get, "/v1/rmas/R-1", viewerA));
        await Expect(HttpStatusCode.Forbidden, http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/cancel", viewerA, new { by = "Merchant" }));
        await Expect(HttpStatusCode.Forbidden, http.SendAsync(HttpMethod.Post, "/v1/rmas", viewerA, NewReturn("R-2")));
        await Expect(HttpStatusCode.Forbidden, http.SendAsync(HttpMethod.Post, "/v1/policies/draft/publish", viewerA, new { }));

        // The actor in the audit trail is the key that acted.
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Post, "/v1/rmas/R-1/cancel", adminA, new { by = "Merchant", reason = "duplicate" }));
        using var events = await http.SendAsync(HttpMethod.Get, "/v1/rmas/R-1/events", adminA);
        // The advisory channel may add its recommendation at any time: the cancellation is found by type, after the request.
        var trail = (await events.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").EnumerateArray().ToList();
        var cancelled = Assert.Single(trail, e => e.GetProperty("type").GetString() == "return.cancelled");
        Assert.StartsWith("apikey:", cancelled.GetProperty("actor").GetString());
        Assert.Equal("return.requested", trail[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task AReturnOverTheAutoApproveLimit_WaitsInTheReviewQueue_AndTheReviewersDecisionApprovesIt()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (_, admin) = await http.CreateKeyAsync(Admin, tenant, "admin");
        var (_, agent) = await http.CreateKeyAsync(Admin, tenant, "customer_service");

        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Put, "/v1/orders/O-9", admin, Order(unitPrice: 900m)));
        using (var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, NewReturn("R-9", orderId: "O-9")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("UnderReview", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        var task = await EventuallyOneTaskAsync(http, agent, "review");
        Assert.Equal("R-9", task.GetProperty("rmaId").GetString());
        var taskId = task.GetProperty("taskId").GetString();

        // Another tenant cannot read or decide the task.
        var other = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, other);
        var (_, otherAdmin) = await http.CreateKeyAsync(Admin, other, "admin");
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Get, $"/v1/tasks/review/{taskId}", otherAdmin));
        await Expect(HttpStatusCode.NotFound, http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/complete", otherAdmin, new { outcome = "decline" }));

        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/claim", agent, new { }));
        await Expect(HttpStatusCode.UnprocessableEntity, http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/complete", agent, new { outcome = "maybe" }));
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/complete", agent, new { outcome = "approve", note = "loyal customer" }));

        using var rma = await http.SendAsync(HttpMethod.Get, "/v1/rmas/R-9", agent);
        Assert.Equal("Authorized", (await rma.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        using var stats = await http.SendAsync(HttpMethod.Get, "/v1/tasks/review/stats", agent);
        Assert.Equal(0, (await stats.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("depth").GetInt32());
    }

    [Fact]
    public async Task APolicyDraft_IsValidated_DryRunAgainstRealReturns_Published_AndGovernsTheNextReturn()
    {
        var http = (await api.GetAsync()).Http;
        var tenant = ApiRequests.NewTenantId();
        await http.CreateTenantAsync(Admin, tenant);
        var (_, admin) = await http.CreateKeyAsync(Admin, tenant, "admin");
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Put, "/v1/orders/O-5", admin, Order(unitPrice: 100m)));
        await Expect(HttpStatusCode.Created, http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, NewReturn("R-5a", orderId: "O-5")));

        using (var invalid = await http.SendAsync(HttpMethod.Post, "/v1/policies/validate", admin, new { defaultReturnWindowDays = -3 }))
        {
            var body = await invalid.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(body.GetProperty("valid").GetBoolean());
            Assert.True(body.GetProperty("errors").EnumerateObject().Any());
        }

        await Expect(HttpStatusCode.UnprocessableEntity, http.SendAsync(HttpMethod.Put, "/v1/policies/draft", admin, new { defaultReturnWindowDays = -3 }));
        // Everything over 50 goes to review under the draft; the open return was auto-approved under the default.
        await Expect(HttpStatusCode.OK, http.SendAsync(HttpMethod.Put, "/v1/policies/draft", admin, new { autoApproveLimit = 50m }));
        using (var dryRun = await http.SendAsync(HttpMethod.Post, "/v1/policies/draft/dry-run", admin, new { rmaIds = new[] { "R-5a" } }))
        {
            var report = await dryRun.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, report.GetProperty("evaluated").GetInt32());
            Assert.Contains(report.GetProperty("changes").EnumerateArray(), c => c.GetProperty("rmaId").GetString() == "R-5a");
        }

        using (var published = await http.SendAsync(HttpMethod.Post, "/v1/policies/draft/publish", admin, new { }))
        {
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            Assert.Equal(1, (await published.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }

        using var next = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, NewReturn("R-5b", orderId: "O-5"));
        var view = await next.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("UnderReview", view.GetProperty("status").GetString());
        Assert.Equal(1, view.GetProperty("policyVersion").GetInt32());
        using var versions = await http.SendAsync(HttpMethod.Get, "/v1/policies", admin);
        Assert.Single((await versions.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
    }

    private static object Order(decimal unitPrice = 20m) => new
    {
        channel = "web",
        deliveredAt = DateTimeOffset.UtcNow.AddDays(-1),
        currency = "EUR",
        lines = new[] { new { orderLineId = "1", sku = "SKU-1", category = "apparel", quantity = 3, unitPrice, serialNumbers = Array.Empty<string>() } },
    };

    private static object NewReturn(string rmaId, string orderId = "O-1") => new
    {
        rmaId,
        orderId,
        lines = new[] { new { orderLineId = "1", quantity = 1, reasonCode = "SIZE", reasonClass = "Convenience" } },
    };

    private static async Task Expect(HttpStatusCode expected, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> EventuallyOneTaskAsync(HttpClient http, string key, string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.SendAsync(HttpMethod.Get, $"/v1/tasks/{queue}?status=Open", key);
            var tasks = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
            if (tasks.Count == 1)
            {
                return tasks[0];
            }

            await Task.Delay(200);
        }

        Assert.Fail($"no single open task in {queue}");
        return default;
    }
}
