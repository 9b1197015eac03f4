using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.ClusterTests.RmaSteps;

namespace ReturnsActors.ClusterTests;

/// <summary>Every path of DESIGN §3 walked through the grains, each ending with an intact audit chain.
/// The happy path is <see cref="RmaGrainTests.FullLifecycle_FromRequestToClosed_IsDurableAndAudited"/>.</summary>
[Collection(ClusterCollection.Name)]
public class RmaPathTests(ClusterFixture fixture)
{
    private IRmaGrain Rma(string rmaId, string tenant = "demo") => fixture.Client.GetGrain<IRmaGrain>($"{tenant}/{rmaId}");

    private ITaskQueueGrain Queue(string queue, string tenant = "demo") => fixture.Client.GetGrain<ITaskQueueGrain>($"{tenant}/{queue}");

    [Fact]
    public async Task Decline_FromReview_DeclinesTheReturnAndItCloses()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        Assert.Equal(RmaStatus.UnderReview, created.Status);
        var task = Assert.Single(await Queue("review").ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);

        Ok(await Queue("review").CompleteAsync(task.TaskId, "decline", "agent:ann", "damage caused by the customer"));

        var declined = (await rma.GetAsync())!;
        Assert.Equal(RmaStatus.Declined, declined.Status);
        Assert.All(declined.Lines, l => Assert.Equal(LineAcceptance.Rejected, l.Acceptance));
        Assert.All(declined.Deadlines, d => Assert.NotNull(d.CompletedAt));
        Assert.Equal(RmaStatus.Closed, Ok(await rma.CloseAsync(new CloseRma(Id(), "agent:ann"))).Status);
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal(["return.requested", "return.flagged", "task.created", "return.declined", "task.completed", "return.closed"], events.Select(e => e.Type));
        Assert.Equal("agent:ann", events.Single(e => e.Type == "return.declined").Actor);
        Assert.Contains("damage caused by the customer", events.Single(e => e.Type == "return.declined").DataJson);
    }

    [Fact]
    public async Task PartialReceipt_ThenFinalReceipt_SettlesOnlyWhatArrived()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 3, "too_small", ReasonClass.Convenience)])));
        await ShipAsync(rma);

        var partial = Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w1", [new ReceivedLine("L1", 2)])));
        Assert.Equal(RmaStatus.PartiallyReceived, partial.Status);
        Assert.Equal(LineReceipt.Pending, partial.Lines[0].Receipt);
        var final = Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w1", [], Final: true)));
        Assert.Equal(RmaStatus.Received, final.Status);
        Assert.Equal(LineReceipt.ShortShipped, final.Lines[0].Receipt);
        Assert.Equal(2, final.Lines[0].QuantityReceived);

        Ok(await rma.RecordInspectionAsync(new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)])));
        Ok(await rma.DispositionAsync(new DispositionRma(Id(), "inspector:i")));
        var pending = Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.RefundOriginalPayment)));
        Assert.Equal(new Money(35.91m, "EUR"), pending.SettlementTotal); // 2 of 3 shirts (39.90) less 10 % restocking fee
        Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "RF-PART")));
        Assert.Equal(RmaStatus.Closed, Ok(await rma.CloseAsync(new CloseRma(Id(), "agent:a"))).Status);
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal(2, events.Count(e => e.Type == "receipt.recorded"));
    }

    [Fact]
    public async Task QualityReview_OfADamagedItem_OpensATask_WhoseDispositionResumesTheReturn()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)])));

        var waiting = await ReceiveAndDispositionAsync(rma, 2, ItemGrade.D);

        Assert.Equal(RmaStatus.Inspecting, waiting.Status);
        Assert.Equal(Disposition.QualityReview, waiting.Lines[0].Disposition);
        Assert.Equal("rma.illegal_transition", (await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit))).Rejection?.Code);
        var queue = Queue(TaskQueues.QualityReview);
        var task = Assert.Single(await queue.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);
        Assert.Equal(TaskQueues.KindQualityReview, task.Kind);
        Assert.Equal("task.outcome", (await queue.CompleteAsync(task.TaskId, "quality_review", "quality:q")).Rejection?.Code);

        Ok(await queue.CompleteAsync(task.TaskId, "return_to_vendor", "quality:q", "cracked housing, vendor defect"));

        var resumed = (await rma.GetAsync())!;
        Assert.Equal(RmaStatus.Dispositioned, resumed.Status);
        Assert.Equal(Disposition.ReturnToVendor, resumed.Lines[0].Disposition);
        var pending = Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit)));
        Assert.Equal(new Money(15.96m, "EUR"), pending.SettlementTotal); // 39.90 less restocking fee 3.99 and grade-D deduction 19.95
        Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "CR-QR")));
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal(["policy", "manual"], events.Where(e => e.Type == "item.dispositioned")
            .Select(e => e.RuleIds.Single() == "manual.disposition" ? "manual" : "policy"));
        Assert.Equal("quality:q", events.Last(e => e.Type == "item.dispositioned").Actor);
    }

    [Fact]
    public async Task FraudHold_FromAPolicyRule_BlocksSettlementUntilTheFraudTaskReleasesIt()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)], FraudSignal: true)));
        Assert.True(created.OnHold);
        Assert.Equal(RmaStatus.Authorized, created.Status); // the stage goes on; only settlement waits

        var dispositioned = await ReceiveAndDispositionAsync(rma, 2);
        var blocked = await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.RefundOriginalPayment));

        Assert.True(dispositioned.OnHold);
        Assert.Equal("rma.on_hold", blocked.Rejection?.Code);
        var task = Assert.Single(await Queue("fraud").ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);
        Ok(await Queue("fraud").CompleteAsync(task.TaskId, "approve", "agent:fraud-desk", "customer verified"));
        var released = (await rma.GetAsync())!;
        Assert.False(released.OnHold);
        Assert.Equal(RmaStatus.Dispositioned, released.Status);
        Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.RefundOriginalPayment)));
        Assert.Equal(RmaStatus.Resolved, Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "RF-FRAUD"))).Status);
        var events = await AssertAuditIntactAsync(rma);
        Assert.Contains("fraud.signal", events.Single(e => e.Type == "return.hold_placed").RuleIds);
        Assert.Equal("agent:fraud-desk", events.Single(e => e.Type == "return.hold_released").Actor);
    }

    [Fact]
    public async Task Expiry_WhenTheShipByDeadlinePassesOnFakeTime_ExpiresWithTheReasonAndFreesTheUnits()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 3, "too_small", ReasonClass.Convenience)])));
        Ok(await rma.RecordLabelAsync(new RecordLabel(Id(), "agent:a", "ups", "1Z-EXP")));
        var shipBy = Assert.Single(created.Deadlines, d => d.Stage == RmaMachine.StageShip).DueAt;

        fixture.Time.SetUtcNow(shipBy.AddMinutes(5));
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromHours(1), DateTime.UtcNow);
        await fixture.Client.GetGrain<IRemindable>(rma.GetGrainId()).ReceiveReminder("rma-deadlines", tick);

        var expired = (await rma.GetAsync())!;
        Assert.Equal(RmaStatus.Expired, expired.Status);
        var events = await AssertAuditIntactAsync(rma);
        var expiry = events.Single(e => e.Type == "return.expired");
        Assert.Equal(RmaMachine.SystemActor, expiry.Actor);
        Assert.Equal(["sla.ship.expire"], expiry.RuleIds);
        Assert.Contains("\"reason\":\"ship_by_passed\"", expiry.DataJson);
        // The expired return no longer holds the units: a new return may claim all three.
        Ok(await Rma($"RMA-{Id()}").CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 3, "too_small", ReasonClass.Convenience)])));
    }

    [Fact]
    public async Task Reopen_OfAClosedReturn_TakesAFurtherStepAndClosesAgain()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        await ReceiveAndDispositionAsync(rma, 1);
        Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit)));
        Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "CR-1")));
        Ok(await rma.CloseAsync(new CloseRma(Id(), "agent:a")));

        var reopened = Ok(await rma.ReopenAsync(new ReopenRma(Id(), "agent:b", "customer disputes the credit amount")));
        Assert.Equal(RmaStatus.Resolved, reopened.Status);
        Ok(await rma.AddNoteAsync(new AddRmaNote(Id(), "agent:b", "Checked: restocking fee applies to a change of mind.")));
        var closedAgain = Ok(await rma.CloseAsync(new CloseRma(Id(), "agent:b")));

        Assert.Equal(RmaStatus.Closed, closedAgain.Status);
        Assert.Equal("CR-1", closedAgain.SettlementReference);
        var events = await AssertAuditIntactAsync(rma);
        Assert.Equal(["return.closed", "return.reopened", "note.added", "return.closed"], events.TakeLast(4).Select(e => e.Type));
    }
}
