using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Grains.Tasks;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.ClusterTests;

[Collection(ClusterCollection.Name)]
public class WarehouseSupplierGrainTests(ClusterFixture fixture)
{
    private static string Id() => Guid.NewGuid().ToString("N");

    private static string NewTenant() => $"t-{Guid.NewGuid():N}"[..14];

    private static RmaView Ok(RmaResult result)
    {
        Assert.True(result.Rejection is null, $"refused: {result.Rejection?.Code} {result.Rejection?.Detail}");
        return result.Rma!;
    }

    private IWarehouseGrain Warehouse(string tenant, string id) => fixture.Client.GetGrain<IWarehouseGrain>($"{tenant}/{id}");

    private ISupplierGrain Supplier(string tenant, string id) => fixture.Client.GetGrain<ISupplierGrain>($"{tenant}/{id}");

    private async Task RegisterWarehouseAsync(string tenant, string id, int capacity, decimal cost, int warnUnits = 0)
    {
        var result = await Warehouse(tenant, id).RegisterAsync(new RegisterWarehouse($"Warehouse {id}", ["DE"], ["*"], true, true, capacity, cost,
            BacklogWarningUnits: warnUnits, BacklogBreachUnits: warnUnits == 0 ? 0 : warnUnits + 10));
        Assert.Null(result.Rejection);
    }

    /// <summary>An order in region DE: line 1 two shirts (convenience-cheap), line 2 a TV from supplier acme.</summary>
    private string NewOrder(string tenant)
    {
        var orderId = $"ORD-{Id()}"[..16];
        fixture.Orders.Add(new OrderSnapshot(tenant, orderId, "web", fixture.Time.GetUtcNow().AddDays(-2), "EUR",
        [
            new OrderLine("1", "SKU-TSHIRT", "apparel", 2, 19.95m, []),
            new OrderLine("2", "SKU-TV-55", "electronics", 1, 899.00m, ["SN-TV-1"], SupplierId: "acme"),
        ], Region: "DE"));
        return orderId;
    }

    private async Task<IRmaGrain> AuthorizedShirtReturnAsync(string tenant, int units = 1)
    {
        var rma = fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-{Id()}");
        var view = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c", NewOrder(tenant), [new RequestedLine("1", units, "too_small", ReasonClass.Convenience)])));
        Assert.Equal(RmaStatus.Authorized, view.Status);
        return rma;
    }

    /// <summary>A defective TV, approved, received, inspected (grade D) and dispositioned to vendor.</summary>
    private async Task<IRmaGrain> DefectiveTvToVendorAsync(string tenant)
    {
        var rma = fixture.Client.GetGrain<IRmaGrain>($"{tenant}/RMA-{Id()}");
        var view = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c", NewOrder(tenant), [new RequestedLine("2", 1, "no_picture", ReasonClass.Defect, ["SN-TV-1"])])));
        if (view.Status != RmaStatus.Authorized)
        {
            Ok(await rma.ApproveAsync(new ApproveRma(Id(), "agent:a")));
        }

        Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L1", 1, ["SN-TV-1"])])));
        Ok(await rma.RecordInspectionAsync(new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", ItemGrade.D, "no picture")])));
        Ok(await rma.DispositionAsync(new DispositionRma(Id(), "inspector:i", [new LineDisposition("L1", Disposition.ReturnToVendor)])));
        return rma;
    }

    [Fact]
    public async Task AuthorizedReturns_AreRoutedByCost_UntilTheWarehouseIsFull_ThenGoElsewhere()
    {
        var tenant = NewTenant();
        await RegisterWarehouseAsync(tenant, "wh-cheap", capacity: 2, cost: 1m);
        await RegisterWarehouseAsync(tenant, "wh-dear", capacity: 10, cost: 4m);

        var first = await AuthorizedShirtReturnAsync(tenant);
        var second = await AuthorizedShirtReturnAsync(tenant);
        var third = await AuthorizedShirtReturnAsync(tenant);

        Assert.Equal("wh-cheap", (await first.GetAsync())!.WarehouseId);
        Assert.Equal("wh-cheap", (await second.GetAsync())!.WarehouseId);
        Assert.Equal("wh-dear", (await third.GetAsync())!.WarehouseId);
        var routed = (await third.GetEventsAsync()).Single(e => e.Type == "return.routed");
        Assert.Contains("route.capacity", routed.RuleIds);
        Assert.Contains("wh-cheap (over capacity", routed.DataJson);

        var cheap = (await Warehouse(tenant, "wh-cheap").GetAsync())!.Figures;
        Assert.Equal(2, cheap.ExpectedInboundUnits);
        Assert.False(cheap.AcceptingRoutes);
        Assert.Equal(1, (await Warehouse(tenant, "wh-dear").GetAsync())!.Figures.ExpectedInboundUnits);

        // Reloaded from storage, the warehouse and the directory still know: the next return goes to wh-dear too.
        await fixture.Cluster.DeactivateAsync(Warehouse(tenant, "wh-cheap"));
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IWarehouseDirectoryGrain>(tenant));
        Assert.Equal(2, (await Warehouse(tenant, "wh-cheap").GetAsync())!.Figures.ExpectedInboundUnits);
        Assert.Equal("wh-dear", (await (await AuthorizedShirtReturnAsync(tenant)).GetAsync())!.WarehouseId);

        // Goods that arrive at the other dock move the return's figures there.
        Ok(await first.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L1", 1)], Warehouse: "wh-dear")));
        Assert.Equal(1, (await Warehouse(tenant, "wh-cheap").GetAsync())!.Figures.ExpectedInboundUnits);
        var dear = (await Warehouse(tenant, "wh-dear").GetAsync())!.Figures;
        Assert.Equal(1, dear.ReceivedUnits);
        Assert.Equal(1, dear.BacklogUnits);
    }

    [Fact]
    public async Task Rebalance_MovesTheNewestExpectedReturnsOffAnOverCapacityWarehouse()
    {
        var tenant = NewTenant();
        await RegisterWarehouseAsync(tenant, "wh-a", capacity: 3, cost: 1m);
        await RegisterWarehouseAsync(tenant, "wh-b", capacity: 10, cost: 2m);
        var older = await AuthorizedShirtReturnAsync(tenant);
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        var newer = await AuthorizedShirtReturnAsync(tenant, units: 2);
        Assert.Equal(3, (await Warehouse(tenant, "wh-a").GetAsync())!.Figures.ExpectedInboundUnits);

        // The dock loses capacity: 3 units expected against 1.
        await RegisterWarehouseAsync(tenant, "wh-a", capacity: 1, cost: 1m);
        var result = await fixture.Client.GetGrain<IWarehouseRebalancerGrain>($"{tenant}/wh-a").RebalanceAsync("ops:o", 10);

        var move = Assert.Single(result.Moves);
        Assert.Equal((await newer.GetAsync())!.RmaId, move.RmaId);
        Assert.Equal("wh-b", move.ToWarehouseId);
        Assert.Equal("wh-a", (await older.GetAsync())!.WarehouseId);
        Assert.Contains("route.rebalance", (await newer.GetEventsAsync()).Last(e => e.Type == "return.routed").RuleIds);
        Assert.Equal(1, (await Warehouse(tenant, "wh-a").GetAsync())!.Figures.ExpectedInboundUnits);
        Assert.Equal(2, (await Warehouse(tenant, "wh-b").GetAsync())!.Figures.ExpectedInboundUnits);
    }

    [Fact]
    public async Task ManyReturnsAtOnce_ReachTheirWarehouseExactlyOnce()
    {
        var tenant = NewTenant();
        await RegisterWarehouseAsync(tenant, "wh-hot", capacity: 10_000, cost: 1m);

        var rmas = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => AuthorizedShirtReturnAsync(tenant)));
        await Task.WhenAll(rmas.Select(r => r.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L1", 1)]))));
        // A redelivered batch (the same events again) changes nothing.
        var again = rmas[0].GetPrimaryKeyString().Split('/')[1];
        await Warehouse(tenant, "wh-hot").ApplyReportsAsync([new WarehouseReportItem(again, 1, WarehouseReportKind.Received, 1, fixture.Time.GetUtcNow())]);

        var figures = (await Warehouse(tenant, "wh-hot").GetAsync())!.Figures;
        Assert.Equal(0, figures.ExpectedInboundUnits);
        Assert.Equal(60, figures.ReceivedUnits);
        Assert.Equal(60, figures.BacklogUnits);
        Assert.Equal(60, figures.BacklogReturns);
    }

    [Fact]
    public async Task DefectiveReturnsToVendor_AreConsolidatedIntoOneDraftClaim_AndNeverClaimedTwice()
    {
        var tenant = NewTenant();
        await RegisterWarehouseAsync(tenant, "wh-1", capacity: 100, cost: 1m, warnUnits: 1);
        Assert.Null((await Supplier(tenant, "acme").RegisterAsync(new RegisterSupplier("Acme TV", "EUR", 10_000m))).Rejection);
        var warnings = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "ReturnsActors" && instrument.Name == "returnsactors.warehouse.backlog_alerts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var t = tags.ToArray();
            if (t.Any(x => x.Key == "warehouse" && (string?)x.Value == $"{tenant}/wh-1") && t.Any(x => x.Key == "event" && (string?)x.Value == "warehouse.backlog_warning"))
            {
                Interlocked.Add(ref warnings, (int)value);
            }
        });
        listener.Start();

        var first = await DefectiveTvToVendorAsync(tenant);
        fixture.Time.Advance(TimeSpan.FromDays(1));
        var second = await DefectiveTvToVendorAsync(tenant);

        var claim = Assert.Single(await Supplier(tenant, "acme").ListClaimsAsync());
        Assert.Equal(VendorClaimStatus.Draft, claim.Status);
        Assert.Equal(2, claim.Lines.Count);
        Assert.Equal(new Money(1798m, "EUR"), claim.ClaimedValue);

        // The return re-reports its disposition (at-least-once): the claim keeps the line once.
        var firstId = (await first.GetAsync())!.RmaId;
        var outcomes = await Supplier(tenant, "acme").AddClaimLinesAsync(
            [new ClaimLineInput(firstId, "L1", "SKU-TV-55", 1, new Money(899m, "EUR"), "no_picture", ReasonClass.Defect, ItemGrade.D, null)]);
        Assert.Equal(claim.ClaimId, Assert.Single(outcomes).ClaimId);
        await fixture.Cluster.DeactivateAsync(Supplier(tenant, "acme"));
        Assert.Equal(2, (await Supplier(tenant, "acme").GetClaimAsync(claim.ClaimId))!.Lines.Count);

        var warehouse = (await Warehouse(tenant, "wh-1").GetAsync())!;
        Assert.Equal("wh-1", (await second.GetAsync())!.WarehouseId);
        Assert.Equal(2, warehouse.Figures.ReceivedUnits);
        Assert.Equal(2, warehouse.Figures.ProcessedUnits);
        Assert.Equal(0, warehouse.Figures.BacklogUnits);
        Assert.Equal(2, warehouse.Figures.FirstPassGrades["D"]);
        Assert.Contains(warehouse.RecentEvents, e => e.Type == "warehouse.backlog_warning");
        Assert.Equal("warehouse.backlog_cleared", warehouse.RecentEvents[^1].Type);
        // Each return's receipt put one unit in the backlog (warning at 1) until its inspection cleared it.
        Assert.Equal(2, warehouse.RecentEvents.Count(e => e.Type == "warehouse.backlog_warning"));
        Assert.Equal(2, warnings);
    }

    [Fact]
    public async Task UnacknowledgedClaim_IsEscalatedOnceWhenItsSlaPasses()
    {
        var tenant = NewTenant();
        await RegisterWarehouseAsync(tenant, "wh-1", capacity: 100, cost: 1m);
        var supplier = Supplier(tenant, "acme");
        Assert.Null((await supplier.RegisterAsync(new RegisterSupplier("Acme TV", "EUR", null, AckSlaHours: 24))).Rejection);
        await DefectiveTvToVendorAsync(tenant);
        var claim = Assert.Single(await supplier.ListClaimsAsync());
        Assert.Null((await supplier.ActAsync(claim.ClaimId, new ClaimAction(Id(), "finance:f", "submit"))).Rejection);
        var reminder = await fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>().ReadRow(supplier.GetGrainId(), "supplier-ack-sla");
        Assert.NotNull(reminder);

        fixture.Time.Advance(TimeSpan.FromHours(23));
        Assert.Empty(await supplier.CheckSlaAsync());
        fixture.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal([claim.ClaimId], await supplier.CheckSlaAsync());
        Assert.Empty(await supplier.CheckSlaAsync()); // a second tick escalates nothing more

        var escalations = await fixture.Client.GetGrain<ITaskQueueGrain>($"{tenant}/{TaskQueues.Escalations}").ListAsync();
        var task = Assert.Single(escalations, t => t.Kind == "vendor_claim_ack_overdue");
        Assert.Equal($"claim-{claim.ClaimId}-ack", task.TaskId);
        Assert.NotNull((await supplier.GetClaimAsync(claim.ClaimId))!.AckEscalatedAt);

        // Acknowledged and credited, the claim recovers its value.
        Assert.Null((await supplier.ActAsync(claim.ClaimId, new ClaimAction(Id(), "finance:f", "acknowledge", "V-RMA-1"))).Rejection);
        Assert.Null((await supplier.ActAsync(claim.ClaimId, new ClaimAction(Id(), "finance:f", "credit", "CN-1", 899m))).Rejection);
        Assert.Equal(1m, (await supplier.GetAsync())!.Figures.RecoveryRate);
    }
}
