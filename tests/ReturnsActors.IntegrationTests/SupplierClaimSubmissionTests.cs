using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;
using StandardWebhooks;

namespace ReturnsActors.IntegrationTests;

/// <summary>A supplier's claims endpoint (Kestrel on 127.0.0.1): per supplier path it answers 503 to the first
/// <see cref="Behaviour.FailFirst"/> requests, then <see cref="Behaviour.Status"/> (a 2xx with <c>vendorRmaNumber</c>), and
/// verifies every signature with the StandardWebhooks package.</summary>
internal sealed class ClaimsSupplier : IAsyncDisposable
{
    private WebApplication _app = null!;

    private ClaimsSupplier()
    {
    }

    public sealed class Behaviour
    {
        public volatile int FailFirst;
        public volatile int Status = StatusCodes.Status201Created;
        public volatile string? VendorRmaNumber;
        public volatile string? Secret;
        /// <summary>While not completed, requests are held open (after they were counted in <see cref="Seen"/>).</summary>
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Seen;
    }

    public string BaseUrl { get; private set; } = "";
    public ConcurrentDictionary<string, Behaviour> Suppliers { get; } = new();
    public ConcurrentQueue<(string Supplier, int Status, string IdempotencyKey, string WebhookId, string Body, bool Verified)> Requests { get; } = new();

    public static async Task<ClaimsSupplier> StartAsync()
    {
        var supplier = new ClaimsSupplier();
        (supplier._app, supplier.BaseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/claims/{id}", async (string id, HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var b = supplier.Suppliers.GetOrAdd(id, _ => Open(new Behaviour()));
            var status = Interlocked.Increment(ref b.Seen) <= b.FailFirst ? StatusCodes.Status503ServiceUnavailable : b.Status;
            await b.Gate.Task;
            supplier.Requests.Enqueue((id, status, context.Request.Headers["Idempotency-Key"].ToString(), context.Request.Headers["webhook-id"].ToString(),
                body, Verifies(b.Secret, body, context.Request.Headers)));
            return status is >= 200 and < 300 ? Results.Json(new { vendorRmaNumber = b.VendorRmaNumber }, statusCode: status) : Results.StatusCode(status);
        }));
        return supplier;
    }

    public string Url(string supplierId) => $"{BaseUrl}/claims/{supplierId}";

    /// <summary>A behaviour that answers at once.</summary>
    public static Behaviour Open(Behaviour b)
    {
        b.Gate.TrySetResult();
        return b;
    }

    private static bool Verifies(string? secret, string body, IHeaderDictionary headers)
    {
        try
        {
            new StandardWebhook(secret ?? "").Verify(body, headers);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>An Embedded silo that may reach loopback, with quick and durable claim retries in milliseconds.</summary>
public sealed class ClaimsSupplierSilo : IAsyncLifetime
{
    internal ClaimsSupplier Supplier { get; private set; } = null!;
    internal SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Supplier = await ClaimsSupplier.StartAsync();
        var settings = EmbeddedApiSilo.Settings();
        foreach (var (key, value) in SupplierClaimSubmissionTests.FastRetries)
        {
            settings[key] = value;
        }

        Silo = SiloProcess.Start(settings);
        await Silo.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Supplier.DisposeAsync();
    }
}

/// <summary>Vendor claims submitted to the supplier's endpoint: signed, one Idempotency-Key per submission, retried through an
/// outage, acknowledged with the supplier's vendor RMA number; a refusal fails the submission into the exceptions queue.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class SupplierClaimSubmissionTests(ClaimsSupplierSilo fixture, EmbeddedApiSilo shared) : IClassFixture<ClaimsSupplierSilo>
{
    internal static readonly Dictionary<string, string> FastRetries = new()
    {
        ["Webhooks:AllowLoopback"] = "true",
        ["Connectors:SupplierClaims:Retries"] = "1",
        ["Connectors:SupplierClaims:RetryDelayMilliseconds"] = "50",
        ["Connectors:SupplierClaims:RetryBaseMilliseconds"] = "100",
        ["Connectors:SupplierClaims:RetryMaxSeconds"] = "1",
        ["Connectors:SupplierClaims:MaxAttempts"] = "30",
    };

    [Fact]
    public async Task AClaim_IsDeliveredOnce_AfterTheSupplierWasDown_SignedWithOneKey_AndAcknowledgedWithItsVendorRma()
    {
        var supplier = fixture.Supplier.Suppliers.GetOrAdd("flaky", _ => ClaimsSupplier.Open(new ClaimsSupplier.Behaviour { FailFirst = 6, VendorRmaNumber = "VRMA-881" }));
        using var http = Client(fixture.Silo);
        supplier.Secret = await RegisterAsync(http, "flaky", fixture.Supplier.Url("flaky"));
        var claimId = await ClaimToVendorAsync(http, "flaky", "R-1");

        var submitted = await ActAsync(http, "flaky", claimId, "submit");
        Assert.Equal("Submitted", submitted["status"]!.GetValue<string>());
        var key = submitted["submission"]!["idempotencyKey"]!.GetValue<string>();

        var claim = await WaitForClaimAsync(http, "flaky", claimId, c => c["status"]!.GetValue<string>() == "Acknowledged");
        await Task.Delay(1000);
        var requests = fixture.Supplier.Requests.Where(r => r.Supplier == "flaky").ToList();
        Assert.True(requests.Count(r => r.Status == 503) >= 6, $"{requests.Count} requests");
        Assert.Single(requests, r => r.Status == 201);
        Assert.All(requests, r => Assert.Equal(key, r.IdempotencyKey));
        Assert.All(requests, r => Assert.Equal(key, r.WebhookId));
        Assert.All(requests, r => Assert.True(r.Verified, "signature"));

        Assert.Equal("VRMA-881", claim["vendorRmaNumber"]!.GetValue<string>());
        Assert.Contains(claim["history"]!.AsArray(), h => h!["type"]!.GetValue<string>() == "vendor_claim.acknowledged" && h["actor"]!.GetValue<string>() == "supplier:flaky");
        Assert.Equal("Delivered", claim["submission"]!["status"]!.GetValue<string>());
        Assert.True(claim["submission"]!["attempts"]!.GetValue<int>() >= 2);

        var document = JsonNode.Parse(requests[^1].Body)!;
        Assert.Equal(claimId, document["claimId"]!.GetValue<string>());
        Assert.Equal(160m, document["claimedValue"]!.GetValue<decimal>());
        Assert.Equal("SKU-DRILL", document["lines"]![0]!["sku"]!.GetValue<string>());
        Assert.Equal("motor burnt", document["lines"]![0]!["conditionNotes"]!.GetValue<string>());
        // The secret was shown once.
        Assert.DoesNotContain(supplier.Secret!, await http.GetStringAsync("/v1/suppliers/flaky"));
    }

    [Fact]
    public async Task ARefusedClaim_FailsIntoTheExceptionsQueue_AndAResubmitAfterTheFix_DeliversItWithTheSameKey()
    {
        var supplier = fixture.Supplier.Suppliers.GetOrAdd("strict", _ => ClaimsSupplier.Open(new ClaimsSupplier.Behaviour { Status = StatusCodes.Status422UnprocessableEntity }));
        using var http = Client(fixture.Silo);
        supplier.Secret = await RegisterAsync(http, "strict", fixture.Supplier.Url("strict"));
        var claimId = await ClaimToVendorAsync(http, "strict", "R-2");
        var key = (await ActAsync(http, "strict", claimId, "submit"))["submission"]!["idempotencyKey"]!.GetValue<string>();

        var failed = await WaitForClaimAsync(http, "strict", claimId, c => c["submission"]!["status"]!.GetValue<string>() == "Failed");
        Assert.Equal(1, failed["submission"]!["attempts"]!.GetValue<int>());
        Assert.Equal(422, failed["submission"]!["lastStatusCode"]!.GetValue<int>());
        Assert.Equal("Submitted", failed["status"]!.GetValue<string>());
        JsonNode? task = null;
        await ReturnScenario.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"/v1/tasks/exceptions/claim-{claimId}-submission-1");
            task = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
            return task is not null;
        });
        Assert.Equal("vendor_claim_submission_failed", task!["kind"]!.GetValue<string>());
        Assert.Equal("R-2", task["rmaId"]!.GetValue<string>());

        supplier.Status = StatusCodes.Status200OK;
        supplier.VendorRmaNumber = "VRMA-2";
        var command = Guid.NewGuid().ToString("N");
        var resubmitted = await ActAsync(http, "strict", claimId, "resubmit", command);
        Assert.Equal("Pending", resubmitted["submission"]!["status"]!.GetValue<string>());
        // The same command again is a no-op.
        await ActAsync(http, "strict", claimId, "resubmit", command);

        var claim = await WaitForClaimAsync(http, "strict", claimId, c => c["status"]!.GetValue<string>() == "Acknowledged");
        Assert.Equal("VRMA-2", claim["vendorRmaNumber"]!.GetValue<string>());
        await Task.Delay(500);
        var requests = fixture.Supplier.Requests.Where(r => r.Supplier == "strict").ToList();
        Assert.Equal([422, 200], requests.Select(r => r.Status));
        Assert.All(requests, r => Assert.Equal(key, r.IdempotencyKey));
        Assert.All(requests, r => Assert.True(r.Verified, "signature"));
    }

    [Fact]
    public async Task WhileTheSupplierHoldsASubmissionOpen_TheSupplierGrainKeepsTakingActions()
    {
        var supplier = fixture.Supplier.Suppliers.GetOrAdd("slow", _ => new ClaimsSupplier.Behaviour { VendorRmaNumber = "VRMA-S" });
        using var http = Client(fixture.Silo);
        supplier.Secret = await RegisterAsync(http, "slow", fixture.Supplier.Url("slow"));
        var first = await ClaimToVendorAsync(http, "slow", "R-4");
        await ActAsync(http, "slow", first, "submit");
        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref supplier.Seen) >= 1));

        // The first POST is still open: a new claim line, another claim's submit and reads all go through.
        var second = await ClaimToVendorAsync(http, "slow", "R-5");
        Assert.Equal("Submitted", (await ActAsync(http, "slow", second, "submit"))["status"]!.GetValue<string>());
        var pending = JsonNode.Parse(await http.GetStringAsync($"/v1/suppliers/slow/claims/{first}"))!;
        Assert.Equal("Pending", pending["submission"]!["status"]!.GetValue<string>());
        Assert.False(supplier.Gate.Task.IsCompleted);

        supplier.Gate.SetResult();
        foreach (var claimId in new[] { first, second })
        {
            await WaitForClaimAsync(http, "slow", claimId, c => c["status"]!.GetValue<string>() == "Acknowledged");
        }
    }

    [Theory]
    [InlineData("https://169.254.169.254/claims")]
    [InlineData("https://10.1.2.3/claims")]
    [InlineData("https://127.0.0.1/claims")]
    [InlineData("https://localhost/claims")]
    [InlineData("http://claims.example.com/in")]
    [InlineData("ftp://claims.example.com/in")]
    public async Task AnInternalOrPlainHttpClaimsEndpoint_IsRefusedAtRegistration_NamingTheField(string url)
    {
        using var http = Client((await shared.GetAsync()), EmbeddedApiSilo.AdminKey);

        using var response = await http.PutAsJsonAsync("/v1/suppliers/ssrf", new { name = "SSRF", currency = "EUR", claimsEndpoint = url });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]!["claimsEndpoint"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/suppliers/ssrf")).StatusCode);
    }

    [Fact]
    public async Task ASupplierWithoutAnEndpoint_IsSubmittedByHand_AndHasNoSecretToRotate()
    {
        using var http = Client(fixture.Silo);
        (await http.PutAsJsonAsync("/v1/suppliers/manual", new { name = "Manual", currency = "EUR", consolidationWindowDays = 0 })).EnsureSuccessStatusCode();
        var claimId = await ClaimToVendorAsync(http, "manual", "R-3");

        var claim = await ActAsync(http, "manual", claimId, "submit");

        Assert.Equal("Submitted", claim["status"]!.GetValue<string>());
        Assert.Null(claim["submission"]);
        Assert.DoesNotContain(fixture.Supplier.Requests, r => r.Supplier == "manual");
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync("/v1/suppliers/manual/rotate-claims-secret", null)).StatusCode);
    }

    [Fact]
    public async Task RotatingTheSecret_ShowsANewOneOnce()
    {
        using var http = Client(fixture.Silo);
        var first = await RegisterAsync(http, "rotating", fixture.Supplier.Url("rotating"));

        using var rotated = await http.PostAsync("/v1/suppliers/rotating/rotate-claims-secret", null);
        var second = JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["claimsSigningSecret"]!.GetValue<string>();

        Assert.StartsWith("whsec_", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        // Updating the terms keeps the secret and does not show it.
        using var updated = await http.PutAsJsonAsync("/v1/suppliers/rotating", new { name = "Rotating 2", currency = "EUR", claimsEndpoint = fixture.Supplier.Url("rotating") });
        Assert.Null(JsonNode.Parse(await updated.Content.ReadAsStringAsync())!["claimsSigningSecret"]);
    }

    internal static HttpClient Client(SiloProcess silo, string apiKey = EmbeddedApiSilo.AdminKey)
    {
        var http = new HttpClient { BaseAddress = silo.Http.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", ApiRequests.NewTenantId());
        return http;
    }

    /// <summary>Registers the supplier with its endpoint and returns the signing secret shown once.</summary>
    internal static async Task<string> RegisterAsync(HttpClient http, string supplierId, string url)
    {
        using var response = await http.PutAsJsonAsync($"/v1/suppliers/{supplierId}", new { name = supplierId, currency = "EUR", consolidationWindowDays = 0, claimsEndpoint = url });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var secret = JsonNode.Parse(body)!["claimsSigningSecret"]!.GetValue<string>();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        return secret;
    }

    /// <summary>A defective return received, inspected and sent back to the supplier: its draft claim's id.</summary>
    internal static async Task<string> ClaimToVendorAsync(HttpClient http, string supplierId, string rmaId)
    {
        (await http.PutAsJsonAsync($"/v1/orders/O-{rmaId}", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-DRILL", category = "tools", quantity = 2, unitPrice = 80m, serialNumbers = Array.Empty<string>(), supplierId } },
        })).EnsureSuccessStatusCode();
        await PostAsync(http, "/v1/rmas", new { rmaId, orderId = $"O-{rmaId}", lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "BROKEN", reasonClass = "Defect" } } });
        await PostAsync(http, $"/v1/rmas/{rmaId}/label", new { carrier = "UPS", trackingNumber = "1Z9" });
        await PostAsync(http, $"/v1/rmas/{rmaId}/carrier-events", new { kind = "Delivered" });
        await PostAsync(http, $"/v1/rmas/{rmaId}/receive", new { lines = new[] { new { lineId = "L1", quantity = 2 } }, final = true });
        await PostAsync(http, $"/v1/rmas/{rmaId}/inspect", new { lines = new[] { new { lineId = "L1", grade = "D", conditionNotes = "motor burnt" } } });
        await PostAsync(http, $"/v1/rmas/{rmaId}/disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } });
        var claims = JsonNode.Parse(await http.GetStringAsync($"/v1/suppliers/{supplierId}/claims"))!.AsArray();
        return claims.Single(c => c!["lines"]![0]!["rmaId"]!.GetValue<string>() == rmaId)!["claimId"]!.GetValue<string>();
    }

    internal static async Task<JsonNode> ActAsync(HttpClient http, string supplierId, string claimId, string action, string? commandId = null)
    {
        using var response = await http.SendAsync(HttpMethod.Post, $"/v1/suppliers/{supplierId}/claims/{claimId}/{action}", body: new { }, idempotencyKey: commandId);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{action}: {body}");
        return JsonNode.Parse(body)!;
    }

    internal static async Task<JsonNode> WaitForClaimAsync(HttpClient http, string supplierId, string claimId, Func<JsonNode, bool> condition,
        int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var claim = JsonNode.Parse(await http.GetStringAsync($"/v1/suppliers/{supplierId}/claims/{claimId}"))!;
            if (condition(claim))
            {
                return claim;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out; the claim is {claim.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private static async Task PostAsync(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
    }
}

/// <summary>Cluster profile: the pending submission and its next attempt are in PostgreSQL, so a silo stopped while the supplier
/// is down leaves it to the next silo, whose reminder wakes the supplier grain and delivers it.</summary>
[Collection(ClusterProcessCollection.Name)]
[Trait("Category", "Slow")]
public sealed class ClusterClaimSubmissionTests : IAsyncLifetime
{
    private const string AdminKey = "ra_claims_cluster_test_admin_key_012345";
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("ra_claims");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task ASubmissionPendingWhenTheSiloStops_IsDeliveredByTheNextSilo_WokenByTheReminder()
    {
        await using var supplier = await ClaimsSupplier.StartAsync();
        var behaviour = supplier.Suppliers.GetOrAdd("bosch", _ => ClaimsSupplier.Open(new ClaimsSupplier.Behaviour { FailFirst = int.MaxValue, VendorRmaNumber = "VRMA-C1" }));
        var settings = SiloProcess.ClusterSettings(_database, $"claims-{Guid.NewGuid():N}", AdminKey);
        foreach (var (key, value) in SupplierClaimSubmissionTests.FastRetries)
        {
            settings[key] = value;
        }

        settings["Connectors:SupplierClaims:Retries"] = "0";
        string tenant, claimId;
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync();
            using var http = SupplierClaimSubmissionTests.Client(first, AdminKey);
            tenant = http.DefaultRequestHeaders.GetValues("X-Tenant-Id").Single();
            behaviour.Secret = await SupplierClaimSubmissionTests.RegisterAsync(http, "bosch", supplier.Url("bosch"));
            claimId = await SupplierClaimSubmissionTests.ClaimToVendorAsync(http, "bosch", "R-1");
            await SupplierClaimSubmissionTests.ActAsync(http, "bosch", claimId, "submit");
            await SupplierClaimSubmissionTests.WaitForClaimAsync(http, "bosch", claimId, c => c["submission"]!["attempts"]!.GetValue<int>() >= 2);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the first silo did not stop");
        }

        // The claims secret is in the supplier's grain state only encrypted; the new silo decrypts it to sign (the supplier verifies).
        var payloads = await TestEnvironment.GrainStatePayloadsAsync(_database);
        Assert.DoesNotContain(payloads, p => p.Contains(behaviour.Secret!, StringComparison.Ordinal));
        Assert.Contains(payloads, p => p.Contains("\"dp1:", StringComparison.Ordinal));
        behaviour.FailFirst = 0;
        var before = supplier.Requests.Count;
        await using var second = SiloProcess.Start(settings);
        await second.WaitReadyAsync();
        using var client = SupplierClaimSubmissionTests.Client(second, AdminKey);
        client.DefaultRequestHeaders.Remove("X-Tenant-Id");
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenant);

        // Reading the claim activates the grain but sends nothing; the reminder (at most a minute apart) does.
        var claim = await SupplierClaimSubmissionTests.WaitForClaimAsync(client, "bosch", claimId, c => c["status"]!.GetValue<string>() == "Acknowledged", seconds: 150);
        Assert.Equal("VRMA-C1", claim["vendorRmaNumber"]!.GetValue<string>());
        var requests = supplier.Requests.ToList();
        Assert.Single(requests, r => r.Status == 201);
        Assert.Single(requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.True(requests.Count > before);
    }
}
