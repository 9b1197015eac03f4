using System.Text.Json.Nodes;
using ReturnsActors.IntegrationTests.Infrastructure;

namespace ReturnsActors.IntegrationTests;

/// <summary>An Embedded silo of its own posting settlements to a local ERP that fails its first six requests, with quick retries.</summary>
public sealed class ErpSilo : OwnErpSilo
{
    protected override void Configure(Dictionary<string, string> settings)
    {
        base.Configure(settings);
        Erp.FailFirst = 6;
        settings["Connectors:Erp:ApiKey"] = "erp-test-key";
        settings["Connectors:Erp:Retries"] = "1";
        settings["Connectors:Erp:RetryDelayMilliseconds"] = "50";
    }
}

/// <summary>ERP credit-memo posting on <c>settlement.requested</c> through the resilient HttpClient and the durable connector retry.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ErpConnectorTests(ErpSilo erp) : IClassFixture<ErpSilo>
{
    [Fact]
    public async Task ASettlement_IsPostedOnceSuccessfully_AfterTheErpFailedForAWhile_WithTheSameIdempotencyKeyOnEveryAttempt()
    {
        using var http = erp.Silo.TenantClient(ApiRequests.NewTenantId());
        var settlementSeq = await ReturnScenario.WalkToSettlementAsync(http, "R-9", "O-9");

        await ReturnScenario.WaitUntilAsync(() => Task.FromResult(erp.Erp.Requests.Any(r => r.Status == 201)));
        await Task.Delay(1500);
        var requests = erp.Erp.Requests.ToList();
        Assert.True(requests.Count(r => r.Status == 503) >= erp.Erp.FailFirst, $"{requests.Count} requests");
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
}
