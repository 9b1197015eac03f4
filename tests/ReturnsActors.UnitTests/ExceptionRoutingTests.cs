using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

/// <summary>Exceptions route to people: quality review, serial problems, out-of-stock replacements.</summary>
public class ExceptionRoutingTests
{
    [Fact]
    public void Disposition_OfADamagedItem_WaitsInInspectionForAQualityReviewTask()
    {
        var state = Received(Shirts(), Headphones());
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A), new InspectedLine("L2", ItemGrade.D, "cracked")]));

        var outcome = Ok(state, new DispositionRma(NewId(), "inspector:i"));

        Assert.Equal(RmaStatus.Inspecting, state.Status);
        Assert.Equal(Disposition.Restock, state.Lines[0].Disposition);
        Assert.Equal(Disposition.QualityReview, state.Lines[1].Disposition);
        var task = Assert.Single(outcome.Events, e => e.Type == "task.created");
        Assert.Contains($"\"queue\":\"{TaskQueues.QualityReview}\"", task.DataJson);
        Assert.Contains("L2", task.DataJson);
        Assert.DoesNotContain("L1", task.DataJson);
        Assert.Equal(["disposition.d"], task.RuleIds);
        Assert.Equal("rma.illegal_transition", Do(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit)).Rejection?.Code);
    }

    [Fact]
    public void Disposition_AfterQualityReview_KeepsEarlierDecisionsAndResumesTheReturn()
    {
        var state = Received(Shirts(), Headphones());
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A), new InspectedLine("L2", ItemGrade.D)]));
        Ok(state, new DispositionRma(NewId(), "inspector:i"));

        var again = Do(state, new DispositionRma(NewId(), "inspector:i"));
        var decided = Ok(state, new DispositionRma(NewId(), "quality:q", [new LineDisposition("L2", Disposition.ReturnToVendor)]));

        Assert.Equal("rma.quality_review_pending", again.Rejection?.Code);
        Assert.Equal(["item.dispositioned"], decided.Events.Types());
        Assert.Equal(RmaStatus.Dispositioned, state.Status);
        Assert.Equal(Disposition.Restock, state.Lines[0].Disposition);
        Assert.Equal(Disposition.ReturnToVendor, state.Lines[1].Disposition);
        Assert.Contains(state.Deadlines, d => d.Stage == RmaMachine.StageRefund && d.CompletedAt is null);
        Assert.Single(state.Events, e => e.Type == "task.created" && e.DataJson.Contains(TaskQueues.KindQualityReview));
    }

    [Fact]
    public void Receipt_OfASerialTrackedUnitWithoutItsSerial_CreatesASerialMissingTask()
    {
        var state = Authorized(Headphones());

        var outcome = Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1)], Final: true));

        Assert.True(state.Lines[0].SerialMismatch);
        var task = Assert.Single(outcome.Events, e => e.Type == "task.created");
        Assert.Contains($"\"kind\":\"{TaskQueues.KindSerialMissing}\"", task.DataJson);
        Assert.Equal([$"receipt.{TaskQueues.KindSerialMissing}"], task.RuleIds);
    }

    [Fact]
    public void Receipt_WithTheExpectedSerial_CreatesNoTask()
    {
        var state = Authorized(Headphones());

        var outcome = Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1, ["SN-1"])], Final: true));

        Assert.False(state.Lines[0].SerialMismatch);
        Assert.DoesNotContain(outcome.Events, e => e.Type == "task.created");
    }

    [Fact]
    public void Settle_AReplacementThatIsOutOfStock_HoldsTheReturnAndOpensAnExceptionTask()
    {
        var state = Dispositioned(ItemGrade.A, Shirts());

        var outcome = RmaMachine.Handle(state, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementStandard), T0.AddHours(2), new HashSet<string> { "SKU-TS" });

        Assert.Null(outcome.Rejection);
        Assert.Equal(["return.hold_placed", "task.created"], outcome.Events.Types());
        Assert.All(outcome.Events, e => Assert.Equal([RmaMachine.RuleReplacementUnavailable], e.RuleIds));
        Assert.Contains($"\"queue\":\"{TaskQueues.Exceptions}\"", outcome.Events[1].DataJson);
        Assert.Equal(RmaStatus.Dispositioned, state.Status);
        Assert.True(state.OnHold);
        Assert.Equal(RmaMachine.HoldReplacementOutOfStock, state.HoldReason);
        Assert.Null(state.Lines[0].Settlement);
        Assert.Equal("rma.on_hold", Do(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit)).Rejection?.Code);

        Ok(state, new ReleaseRmaHold(NewId(), "agent:a"));
        Ok(state, new SettleRma(NewId(), "agent:a", SettlementKind.StoreCredit));
        Assert.Equal(RmaStatus.PendingSettlement, state.Status);
    }

    [Fact]
    public void Settle_ARefund_IsNotStoppedByAnOutOfStockSku()
    {
        var state = Dispositioned(ItemGrade.A, Shirts());

        var outcome = RmaMachine.Handle(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment), T0.AddHours(2), new HashSet<string> { "SKU-TS" });

        Assert.Null(outcome.Rejection);
        Assert.False(state.OnHold);
        Assert.Equal(RmaStatus.PendingSettlement, state.Status);
    }

    [Fact]
    public void Settle_WhileTheFraudHoldFromCreationIsOn_IsConflict()
    {
        var (state, _) = Create([Shirts()], fraudSignal: true);
        Ok(state, new RecordLabel(NewId(), "agent:a", "ups", "1Z"));
        Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 2)], Final: true));
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]));
        Ok(state, new DispositionRma(NewId(), "inspector:i"));

        var settle = Do(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment));

        Assert.Equal("rma.on_hold", settle.Rejection?.Code);
        Assert.Equal(RmaStatus.Dispositioned, state.Status);
    }
}
