using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>One permission table on every entry point: a step a role may not take over REST is refused on <c>/v1/events</c>
/// too (per event, nothing changed), through a dead-letter replay and through a task's completion. Real HTTP, real silo.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class PermissionMatrixTests(EmbeddedApiSilo fixture)
{
    private static readonly string[] AllRoles = ["admin", "customer_service", "warehouse", "finance", "partner", "viewer"];

    /// <summary>A step with its REST action and its CloudEvent type (same data).</summary>
    private sealed record Step(string Name, string? RestAction, string EventType, object? Data);

    private static readonly Step[] Steps =
    [
        new("create", null, "rma.requested", null),
        new("approve", "approve", "rma.approved", new { note = "ok" }),
        new("label", "label", "carrier.label_created", new { carrier = "UPS", trackingNumber = "1ZPERM" }),
        new("carrier", "carrier-events", "carrier.delivered", new { kind = "Delivered" }),
        new("receive", "receive", "warehouse.received", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true }),
        new("inspect", "inspect", "warehouse.inspected", new { lines = new[] { new { lineId = "L1", grade = "A" } } }),
        new("confirm", "confirm-settlement", "erp.settlement_confirmed", new { reference = "CM-1" }),
    ];

    /// <summary>What each role may do (DESIGN §8); a platform admin may do everything.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["admin"] = ["create", "approve", "label", "carrier", "receive", "inspect", "confirm"],
        ["customer_service"] = ["create", "approve"],
        ["warehouse"] = ["label", "carrier", "receive", "inspect"],
        ["finance"] = ["confirm"],
        ["partner"] = ["create", "label", "carrier"],
        ["viewer"] = [],
    };

    [Fact]
    public async Task EveryRoleAndStep_IsAllowedOrRefusedAlikeOverRestAndEvents_AndARefusalChangesNothing()
    {
        var (http, tenant, admin) = await TenantAsync();
        var mismatches = new List<string>();
        var n = 0;
        foreach (var role in AllRoles)
        {
            var (_, key) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, role);
            foreach (var step in Steps)
            {
                n++;
                var restRma = $"R-{n}";
                var eventRma = $"E-{n}";
                if (step.RestAction is not null)
                {
                    await UnderReviewAsync(http, admin, restRma);
                    await UnderReviewAsync(http, admin, eventRma);
                }

                var restTrail = step.RestAction is null ? 0 : await TrailLengthAsync(http, admin, restRma);
                var eventTrail = step.RestAction is null ? 0 : await TrailLengthAsync(http, admin, eventRma);

                using var rest = step.RestAction is null
                    ? await http.SendAsync(HttpMethod.Post, "/v1/rmas", key, new { rmaId = restRma, orderId = "O-BIG", lines = Line })
                    : await http.SendAsync(HttpMethod.Post, $"/v1/rmas/{restRma}/{step.RestAction}", key, step.Data);
                var restAllowed = rest.StatusCode != HttpStatusCode.Forbidden;

                using var batch = await http.SendAsync(HttpMethod.Post, "/v1/events", key,
                    content: JsonContent.Create(new[] { IngestTests.Event($"ev-{n}", step.EventType, eventRma, step.Data ?? new { orderId = "O-BIG", lines = Line }) }));
                bool eventAllowed;
                if (batch.StatusCode == HttpStatusCode.Forbidden)
                {
                    eventAllowed = false;
                }
                else
                {
                    Assert.True(batch.StatusCode == HttpStatusCode.OK, $"{role} {step.Name}: {(int)batch.StatusCode} {await batch.Content.ReadAsStringAsync()}");
                    var result = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
                    var refused = result.GetProperty("status").GetString() == "rejected"
                        && result.GetProperty("problem").GetProperty("status").GetInt32() == 403;
                    if (refused)
                    {
                        Assert.Equal("permission.denied", result.GetProperty("problem").GetProperty("code").GetString());
                    }

                    eventAllowed = !refused;
                }

                var expected = Expected[role].Contains(step.Name);
                if (restAllowed != expected || eventAllowed != expected)
                {
                    mismatches.Add($"{role} {step.Name}: expected {(expected ? "allowed" : "refused")}, REST {(int)rest.StatusCode}, events {(eventAllowed ? "allowed" : "refused")}");
                }

                if (!expected && step.RestAction is not null)
                {
                    Assert.Equal(restTrail, await TrailLengthAsync(http, admin, restRma));
                    Assert.Equal(eventTrail, await TrailLengthAsync(http, admin, eventRma));
                }

                if (!expected && step.RestAction is null)
                {
                    await ExpectMissingAsync(http, admin, restRma);
                    await ExpectMissingAsync(http, admin, eventRma);
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task PartnerKey_CannotApproveThroughABatch_WhileItsOtherEventsInTheBatchApply()
    {
        var (http, tenant, admin) = await TenantAsync();
        var (_, partner) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "partner");
        await UnderReviewAsync(http, admin, "RMA-P");
        await UnderReviewAsync(http, admin, "RMA-Q");
        using (var approved = await http.SendAsync(HttpMethod.Post, "/v1/rmas/RMA-Q/approve", admin, new { }))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        var outcome = await IngestTests.IngestNdJsonAsync(http, partner,
        [
            IngestTests.Event("p-approve", "rma.approved", "RMA-P", null),
            IngestTests.Event("p-label", "carrier.label_created", "RMA-Q", new { carrier = "DHL", trackingNumber = "JDPARTNER" }),
            IngestTests.Event("p-receive", "warehouse.received", "RMA-P", new { lines = new[] { new { lineId = "L1", quantity = 1 } }, final = true }),
        ]);

        var results = outcome.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["rejected", "applied", "rejected"], results.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(403, results[0].GetProperty("problem").GetProperty("status").GetInt32());
        Assert.Contains("rmas:approve", results[0].GetProperty("problem").GetProperty("detail").GetString());
        Assert.Equal(2, outcome.GetProperty("rejected").GetInt32());
        var view = await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-P");
        Assert.Equal("UnderReview", view.GetProperty("status").GetString());
        var trail = await IngestTests.TrailAsync(http, admin, "RMA-P");
        Assert.DoesNotContain("return.authorized", trail);
        Assert.DoesNotContain("receipt.recorded", trail);
        Assert.Contains("label.created", await IngestTests.TrailAsync(http, admin, "RMA-Q"));

        // Refused events are not dead letters: nothing is there for someone else to replay.
        var letters = await IngestTests.GetJsonAsync(http, admin, "/v1/dead-letters");
        Assert.Equal(0, letters.GetArrayLength());
    }

    [Fact]
    public async Task DeadLetterReplay_TakesOnlyStepsTheReplayingCallerMayTake()
    {
        var (http, tenant, admin) = await TenantAsync();
        var (_, partner) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "partner");

        // The admin's approval arrives before the return exists: dead-lettered, replayable once the return is there.
        var first = await IngestTests.IngestNdJsonAsync(http, admin, [IngestTests.Event("early-approve", "rma.approved", "RMA-DL", null)]);
        var letterId = first.GetProperty("results")[0].GetProperty("deadLetterId").GetString();
        Assert.NotNull(letterId);
        await UnderReviewAsync(http, admin, "RMA-DL");

        using var byPartner = await http.SendAsync(HttpMethod.Post, $"/v1/dead-letters/{letterId}/replay", partner, new { });
        Assert.Equal(HttpStatusCode.Forbidden, byPartner.StatusCode);
        Assert.Equal("permission.denied", (await byPartner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("UnderReview", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-DL")).GetProperty("status").GetString());
        Assert.Equal("pending", (await IngestTests.GetJsonAsync(http, admin, $"/v1/dead-letters/{letterId}")).GetProperty("status").GetString());

        using var byAdmin = await http.SendAsync(HttpMethod.Post, $"/v1/dead-letters/{letterId}/replay", admin, new { });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal("Authorized", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-DL")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CompletingAReviewTask_NeedsThePermissionOfTheStepItsOutcomeTakes()
    {
        var (http, tenant, admin) = await TenantAsync();
        var (_, warehouse) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "warehouse");
        var (_, service) = await http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "customer_service");
        await UnderReviewAsync(http, admin, "RMA-T");
        var task = (await IngestTests.GetJsonAsync(http, admin, "/v1/tasks/review")).EnumerateArray()
            .Single(t => t.GetProperty("rmaId").GetString() == "RMA-T");
        var taskId = task.GetProperty("taskId").GetString();

        using var byWarehouse = await http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/complete", warehouse, new { outcome = "approve" });
        Assert.Equal(HttpStatusCode.Forbidden, byWarehouse.StatusCode);
        Assert.Equal("rmas:approve", (await byWarehouse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action").GetString());
        Assert.Equal("UnderReview", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-T")).GetProperty("status").GetString());

        // Claiming is work any desk may do; deciding is not.
        using var claim = await http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/claim", warehouse, new { });
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);

        using var byService = await http.SendAsync(HttpMethod.Post, $"/v1/tasks/review/{taskId}/complete", service, new { outcome = "approve" });
        Assert.Equal(HttpStatusCode.OK, byService.StatusCode);
        Assert.Equal("Authorized", (await IngestTests.GetJsonAsync(http, admin, "/v1/rmas/RMA-T")).GetProperty("status").GetString());
    }

    private static readonly object[] Line = [new { orderLineId = "1", quantity = 1, reasonCode = "BROKEN", reasonClass = "Defect" }];

    private async Task<(HttpClient Http, string Tenant, string AdminKey)> TenantAsync()
    {
        var silo = await fixture.GetAsync();
        var tenant = ApiRequests.NewTenantId();
        await silo.Http.CreateTenantAsync(EmbeddedApiSilo.AdminKey, tenant);
        var (_, admin) = await silo.Http.CreateKeyAsync(EmbeddedApiSilo.AdminKey, tenant, "admin");
        // Above the default auto-approve limit (250), so a return waits for review.
        using var order = await silo.Http.SendAsync(HttpMethod.Put, "/v1/orders/O-BIG", admin, new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-BIG", category = "tools", quantity = 1000, unitPrice = 500m, serialNumbers = Array.Empty<string>() } },
        });
        Assert.True(order.IsSuccessStatusCode, await order.Content.ReadAsStringAsync());
        return (silo.Http, tenant, admin);
    }

    private static async Task UnderReviewAsync(HttpClient http, string admin, string rmaId)
    {
        using var created = await http.SendAsync(HttpMethod.Post, "/v1/rmas", admin, new { rmaId, orderId = "O-BIG", lines = Line });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        Assert.Equal("UnderReview", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    private static async Task<int> TrailLengthAsync(HttpClient http, string admin, string rmaId) =>
        (await IngestTests.TrailAsync(http, admin, rmaId)).Count;

    private static async Task ExpectMissingAsync(HttpClient http, string admin, string rmaId)
    {
        using var response = await http.SendAsync(HttpMethod.Get, $"/v1/rmas/{rmaId}", admin);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
