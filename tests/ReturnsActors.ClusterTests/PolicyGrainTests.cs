using ReturnsActors.Grains;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.ClusterTests;

[Collection(ClusterCollection.Name)]
public class PolicyGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task PublishedPolicy_GovernsNewReturns_AndItsVersionIsRecorded()
    {
        var tenant = $"t-{Guid.NewGuid():N}";
        var policies = fixture.Client.GetGrain<IPolicyGrain>(tenant);
        Assert.Null(await policies.GetEffectiveAsync(fixture.Time.GetUtcNow()));

        Assert.Null((await policies.SaveDraftAsync(DefaultPolicy.Document with { DefaultReturnWindowDays = 1 }, "admin:a")).Rejection);
        var published = (await policies.PublishAsync("admin:a")).Policy!;
        Assert.Equal(1, published.Version);
        Assert.Null(await policies.GetDraftAsync());

        var orderId = fixture.NewOrder(tenant, deliveredDaysAgo: 2);
        var refused = await fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-1")
            .CreateAsync(new CreateRma("c1", "customer:c", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)]));
        Assert.Equal("rma.ineligible", refused.Rejection?.Code);

        var freshOrder = fixture.NewOrder(tenant, deliveredDaysAgo: 0);
        var created = await fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-2")
            .CreateAsync(new CreateRma("c2", "customer:c", freshOrder, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)]));
        Assert.Equal(1, created.Rma!.PolicyVersion);
        Assert.All(await fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-2").GetEventsAsync(), e => Assert.Equal(1, e.PolicyVersion));
    }

    [Fact]
    public async Task FutureDatedVersion_IsNotInForceUntilItsDate()
    {
        var tenant = $"t-{Guid.NewGuid():N}";
        var policies = fixture.Client.GetGrain<IPolicyGrain>(tenant);
        var now = fixture.Time.GetUtcNow();
        await policies.SaveDraftAsync(DefaultPolicy.Document, "admin:a");
        await policies.PublishAsync("admin:a");
        await policies.SaveDraftAsync(DefaultPolicy.Document with { RestockingFeePercent = 0m }, "admin:a");
        await policies.PublishAsync("admin:a", now.AddDays(7));

        Assert.Equal(1, (await policies.GetEffectiveAsync(now))!.Version);
        Assert.Equal(2, (await policies.GetEffectiveAsync(now.AddDays(8)))!.Version);
        Assert.Equal(10m, (await policies.GetVersionAsync(1))!.RestockingFeePercent);
    }

    [Fact]
    public async Task BusinessUnitPolicy_GovernsItsOrders_OthersFallBackToTheTenantPolicy()
    {
        var tenant = $"t-{Guid.NewGuid():N}";
        var outlet = fixture.Client.GetGrain<IPolicyGrain>($"{tenant}/outlet");
        await outlet.SaveDraftAsync(DefaultPolicy.Document with { DefaultReturnWindowDays = 1 }, "admin:a");
        Assert.Equal("outlet", (await outlet.PublishAsync("admin:a")).Policy!.BusinessUnit);
        var now = fixture.Time.GetUtcNow();
        fixture.Orders.Add(new Grains.Orders.OrderSnapshot(tenant, "OUT-1", "web", now.AddDays(-2), "EUR",
            [new Grains.Orders.OrderLine("1", "SKU-1", "apparel", 1, 10m, [])], BusinessUnit: "outlet"));
        fixture.Orders.Add(new Grains.Orders.OrderSnapshot(tenant, "MAIN-1", "web", now.AddDays(-2), "EUR",
            [new Grains.Orders.OrderLine("1", "SKU-1", "apparel", 1, 10m, [])]));

        var outletReturn = await fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-O").CreateAsync(
            new CreateRma("c1", "customer:c", "OUT-1", [new RequestedLine("1", 1, "x", ReasonClass.Convenience)]));
        var mainReturn = await fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-M").CreateAsync(
            new CreateRma("c1", "customer:c", "MAIN-1", [new RequestedLine("1", 1, "x", ReasonClass.Convenience)]));

        Assert.Equal("rma.ineligible", outletReturn.Rejection?.Code);
        Assert.Equal(0, mainReturn.Rma!.PolicyVersion);
    }

    [Fact]
    public async Task InvalidDraft_IsRefusedWithFieldErrors()
    {
        var policies = fixture.Client.GetGrain<IPolicyGrain>($"t-{Guid.NewGuid():N}");

        var result = await policies.SaveDraftAsync(DefaultPolicy.Document with { RestockingFeePercent = 150m }, "admin:a");

        Assert.Equal(RejectionKind.Invalid, result.Rejection?.Kind);
        Assert.True(result.Rejection!.Errors!.ContainsKey("restockingFeePercent"));
        Assert.Equal("policy.no_draft", (await policies.PublishAsync("admin:a")).Rejection?.Code);
    }

    [Fact]
    public async Task DryRun_AgainstARealReturnSnapshot_ShowsTheRefundAndDispositionChanges()
    {
        var orderId = fixture.NewOrder();
        var rma = fixture.Client.GetGrain<IRmaGrain>($"demo/RMA-{Guid.NewGuid():N}");
        await rma.CreateAsync(new CreateRma("c1", "customer:c", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)]));
        await rma.RecordReceiptAsync(new RecordReceipt("r1", "warehouse:w", [new ReceivedLine("L1", 2)]));
        await rma.RecordInspectionAsync(new RecordInspection("i1", "inspector:i", [new InspectedLine("L1", ItemGrade.B)]));
        var snapshot = (await rma.GetSnapshotAsync())!;
        var policies = fixture.Client.GetGrain<IPolicyGrain>($"t-{Guid.NewGuid():N}");
        await policies.SaveDraftAsync(DefaultPolicy.Document with
        {
            RestockingFeePercent = 0m,
            DispositionRules = [new DispositionRule("b-apparel", ItemGrade.B, "apparel", Disposition.Refurbish)],
        }, "admin:a");

        var report = await policies.DryRunAsync([snapshot]);

        Assert.Equal(1, report!.ChangedReturns);
        Assert.Contains(report.Changes, c => c.Decision == "lines[L1].refund" && c.Before == "35.91 EUR" && c.After == "39.90 EUR");
        Assert.Contains(report.Changes, c => c.Decision == "lines[L1].disposition" && c.Before == "Restock" && c.After == "Refurbish");
    }

    [Fact]
    public async Task DryRun_OfADraft_ReportsChangesAgainstThePolicyInForce()
    {
        var policies = fixture.Client.GetGrain<IPolicyGrain>($"t-{Guid.NewGuid():N}");
        await policies.SaveDraftAsync(DefaultPolicy.Document with { AutoApproveLimit = 10m }, "admin:a");
        var now = fixture.Time.GetUtcNow();

        var report = await policies.DryRunAsync(
        [
            new RmaSnapshot("RMA-A", "web", now.AddDays(-1), now, [new RmaSnapshotLine("L1", "apparel", 1, new Money(40m, "EUR"), ReasonClass.Defect, 0)]),
        ]);

        var change = Assert.Single(report!.Changes);
        Assert.Equal(("route", "auto_approve", "review"), (change.Decision, change.Before, change.After));
        Assert.Equal(0, report.BaselineVersion);
    }
}
