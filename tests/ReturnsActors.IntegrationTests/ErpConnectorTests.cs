using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>A local "ERP" (Kestrel on 127.0.0.1) that answers 503 to its first <see cref="FailFirst"/> requests, then 201, and an
/// Embedded silo posting settlements to it with quick retries.</summary>
public sealed class ErpSilo : IAsyncLifetime
{
    private WebApplication _erp = null!;
    private int _requests;

    internal SiloProcess Silo { get; private set; } = null!;
    internal volatile int FailFirst = 6;
    internal ConcurrentQueue<(int Status, string IdempotencyKey, string ApiKey, string Body)> Requests { get; } = new();

    public async Task InitializeAsync()
    {
        _erp = LoopbackHttp.Create();
        _erp.MapPost("/credit-memos", async (HttpContext context) =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var status = Interlocked.Increment(ref _requests) <= FailFirst ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status201Created;
            Requests.Enqueue((status, context.Request.Headers["Idempotency-Key"].ToString(), context.Request.Headers["X-Api-Key"].ToString(), body));
            return Results.StatusCode(status);
        });
        await _erp.StartAsync();
        var address = LoopbackHttp.Address(_erp);

        var settings = EmbeddedApiSilo.Settings();
        settings["Connectors:Erp:Url"] = $"{address}/credit-memos";
        settings["Connectors:Erp:ApiKey"] = "erp-test-key";
        settings["Connectors:Erp:Retries"] = "1";
        settings["Connectors:Erp:RetryDelayMilliseconds"] = "50";
        settings["Webhooks:RetryBaseMilliseconds"] = "100";
        settings["Webhooks:RetryMaxSeconds"] = "1";
        settings["Webhooks:PollMilliseconds"] = "100";
        Silo = SiloProcess.Start(settings);
        await Silo.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await _erp.DisposeAsync();
    }
}

/// <summary>ERP credit-memo posting on <c>settlement.requested</c> through the resilient HttpClient and the durable connector retry.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ErpConnectorTests(ErpSilo erp) : IClassFixture<ErpSilo>
{
    [Fact]
    public async Task ASettlement_IsPostedOnceSuccessfully_AfterTheErpFailedForAWhile_WithTheSameIdempotencyKeyOnEveryAttempt()
    {
        using var http = new HttpClient { BaseAddress = erp.Silo.Http.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", EmbeddedApiSilo.AdminKey);
        http.DefaultRequestHeaders.Add("X-Tenant-Id", ApiRequests.NewTenantId());
        (await http.PutAsJsonAsync("/v1/orders/O-9", new
        {
            channel = "web",
            deliveredAt = DateTimeOffset.UtcNow.AddDays(-2),
            currency = "EUR",
            lines = new[] { new { orderLineId = "1", sku = "SKU-DRILL", category = "tools", quantity = 2, unitPrice = 80m, serialNumbers = Array.Empty<string>() } },
        })).EnsureSuccessStatusCode();
        using (var created = await http.PostAsJsonAsync("/v1/rmas", new
        {
            rmaId = "R-9",
            orderId = "O-9",
            lines = new[] { new { orderLineId = "1", quantity = 2, reasonCode = "BROKEN", reasonClass = "Defect" } },
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        await Step(http, "label", new { carrier = "UPS", trackingNumber = "1Z9" });
        await Step(http, "carrier-events", new { kind = "Delivered" });
        await Step(http, "receive", new { lines = new[] { new { lineId = "L1", quantity = 2 } }, final = true });
        await Step(http, "inspect", new { lines = new[] { new { lineId = "L1", grade = "D", conditionNotes = "motor burnt" } } });
        await Step(http, "disposition", new { lines = new[] { new { lineId = "L1", disposition = "ReturnToVendor" } } });
        await Step(http, "settle", new { kind = "CreditMemo" });
        var settlementSeq = JsonNode.Parse(await http.GetStringAsync("/v1/rmas/R-9/events"))!["events"]!.AsArray()
            .Single(e => e!["type"]!.GetValue<string>() == "settlement.requested")!["seq"]!.GetValue<long>();

        await WebhookDeliveryTests.WaitUntilAsync(() => Task.FromResult(erp.Requests.Any(r => r.Status == 201)));
        await Task.Delay(1500);
        var requests = erp.Requests.ToList();
        Assert.True(requests.Count(r => r.Status == 503) >= erp.FailFirst, $"{requests.Count} requests");
        Assert.Single(requests, r => r.Status == 201);
        Assert.Equal(201, requests[^1].Status);
        var key = Assert.Single(requests.Select(r => r.IdempotencyKey).Distinct());
        Assert.StartsWith("ra-settlement-", key, StringComparison.Ordinal);
        Assert.All(requests, r => Assert.Equal("erp-test-key", r.ApiKey));
        var body = JsonNode.Parse(requests[^1].Body)!;
        Assert.Equal("R-9", body["rmaId"]!.GetValue<string>());
        Assert.Equal(settlementSeq, body["seq"]!.GetValue<long>());
        Assert.Equal("credit_memo", body["settlement"]!["kind"]!.GetValue<string>());
    }

    private static async Task Step(HttpClient http, string step, object body)
    {
        using var response = await http.PostAsJsonAsync($"/v1/rmas/R-9/{step}", body);
        Assert.True(response.IsSuccessStatusCode, $"{step}: {await response.Content.ReadAsStringAsync()}");
    }
}
