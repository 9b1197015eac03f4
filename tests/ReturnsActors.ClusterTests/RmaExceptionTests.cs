using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.ClusterTests.RmaSteps;

namespace ReturnsActors.ClusterTests;

/// <summary>Exceptions route to people: serial problems at receipt and replacements that are out of stock.
/// (Quality review and fraud hold are paths of their own in <see cref="RmaPathTests"/>.)</summary>
[Collection(ClusterCollection.Name)]
public class RmaExceptionTests(ClusterFixture fixture)
{
    /// <summary>A tenant of its own, so marking its SKUs out of stock touches no other test.</summary>
    private static string NewTenant() => $"t-{Id()[..12]}";

    private IRmaGrain Rma(string tenant, string rmaId) => fixture.Client.GetGrain<IRmaGrain>($"{tenant}/{rmaId}");

    private ITaskQueueGrain Queue(string tenant, string queue) => fixture.Client.GetGrain<ITaskQueueGrain>($"{tenant}/{queue}");

    [Fact]
    public async Task Receipt_OfASerialTrackedItemWithoutItsSerial_OpensATaskForAPerson()
    {
        var tenant = NewTenant();
        var orderId = fixture.NewOrder(tenant);
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(tenant, rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        Ok(await rma.ApproveAsync(new ApproveRma(Id(), "agent:a")));

        var received = Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w1", [new ReceivedLine("L1", 1)], Final: true)));

        Assert.True(received.Lines[0].SerialMismatch);
        var task = Assert.Single(await Queue(tenant, TaskQueues.InspectionException).ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);
        Assert.Equal(TaskQueues.KindSerialMissing, task.Kind);
        await AssertAuditIntactAsync(rma);
    }

    [Fact]
    public async Task Replacement_OutOfStock_HoldsTheReturn_AndTheExceptionTaskSwitchesItToStoreCredit()
    {
        var tenant = NewTenant();
        fixture.Stock.SetOutOfStock(tenant, "SKU-TSHIRT");
        var orderId = fixture.NewOrder(tenant);
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(tenant, rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)])));
        await ReceiveAndDispositionAsync(rma, 2);

        var held = Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.ReplacementStandard)));

        Assert.True(held.OnHold);
        Assert.Equal(RmaMachine.HoldReplacementOutOfStock, held.HoldReason);
        Assert.Equal(RmaStatus.Dispositioned, held.Status);
        var queue = Queue(tenant, TaskQueues.Exceptions);
        var task = Assert.Single(await queue.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);
        Assert.Equal(TaskQueues.KindReplacementOutOfStock, task.Kind);
        Assert.Equal("task.outcome", (await queue.CompleteAsync(task.TaskId, "approve", "agent:a")).Rejection?.Code);

        Ok(await queue.CompleteAsync(task.TaskId, "store_credit", "agent:a", "customer accepts store credit"));

        var resumed = (await rma.GetAsync())!;
        Assert.False(resumed.OnHold);
        Assert.Equal(RmaStatus.PendingSettlement, resumed.Status);
        Assert.All(resumed.Lines, l => Assert.Equal(SettlementKind.StoreCredit, l.Settlement));
        Assert.Equal(new Money(35.91m, "EUR"), resumed.SettlementTotal);
        Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "CR-OOS")));
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal([RmaMachine.RuleReplacementUnavailable], events.Single(e => e.Type == "return.hold_placed").RuleIds);
        Assert.Contains(events, e => e.Type == "settlement.credit_issued");
    }

    [Fact]
    public async Task Replacement_OutOfStock_RetriedOnceBackInStock_CreatesTheReplacement()
    {
        var tenant = NewTenant();
        fixture.Stock.SetOutOfStock(tenant, "SKU-TSHIRT");
        var orderId = fixture.NewOrder(tenant);
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(tenant, rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "defect", ReasonClass.Defect)])));
        await ReceiveAndDispositionAsync(rma, 1);
        Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.ReplacementAdvance)));
        var queue = Queue(tenant, TaskQueues.Exceptions);
        var first = Assert.Single(await queue.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);

        // Still out of stock: the retry is taken, and the return goes back on hold with a new task.
        Ok(await queue.CompleteAsync(first.TaskId, "replacement_advance", "agent:a"));
        Assert.True((await rma.GetAsync())!.OnHold);
        var second = Assert.Single(await queue.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);
        Assert.NotEqual(first.TaskId, second.TaskId);

        fixture.Stock.SetOutOfStock(tenant, "SKU-TSHIRT", outOfStock: false);
        Ok(await queue.CompleteAsync(second.TaskId, "replacement_advance", "agent:a"));

        var settled = (await rma.GetAsync())!;
        Assert.False(settled.OnHold);
        Assert.Equal(RmaStatus.PendingSettlement, settled.Status);
        Assert.Equal(SettlementKind.ReplacementAdvance, settled.Lines[0].Settlement);
        Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "RPL-1")));
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal(2, events.Count(e => e.Type == "return.hold_placed"));
        Assert.Contains(events, e => e.Type == "settlement.replacement_created");
    }
}
