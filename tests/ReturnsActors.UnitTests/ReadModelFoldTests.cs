using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

/// <summary>The read-model row folded from a return's events equals the row of its view, after every step of its life.</summary>
public sealed class ReadModelFoldTests
{
    [Fact]
    public void TheFoldedRow_EqualsTheViewsRow_AfterEveryStepOfARefund()
    {
        var (state, _) = Create([Shirts()]);
        AssertFolds(state);
        Step(state, new RecordLabel(NewId(), "agent:a", "ups", "1Z"));
        Step(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit), T0.AddHours(2));
        Step(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered), T0.AddHours(30));
        Step(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1)], Warehouse: "WH-9"), T0.AddHours(40));
        Step(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1)], Final: true), T0.AddHours(41));
        Step(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.B)]), T0.AddHours(50));
        Step(state, new DispositionRma(NewId(), "inspector:i"), T0.AddHours(51));
        Step(state, new PlaceRmaHold(NewId(), "agent:a", "pending_approval"), T0.AddHours(52));
        Step(state, new ReleaseRmaHold(NewId(), "agent:a"), T0.AddHours(53));
        Step(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment), T0.AddHours(54));
        Step(state, new ConfirmSettlement(NewId(), "erp", "R-1"), T0.AddHours(55));
        Step(state, new CloseRma(NewId(), "agent:a"), T0.AddHours(56));
        Step(state, new ReopenRma(NewId(), "agent:a", "called"), T0.AddHours(57));
        Assert.Equal("WH-9", RmaReadModelFold.Fold("RMA-1", state.Events)!.Warehouse);
    }

    [Fact]
    public void TheFoldedRow_EqualsTheViewsRow_ThroughReviewDeadlinesQualityReviewAndReplacement()
    {
        var (state, _) = Create([Shirts(3), Headphones(ReasonClass.Defect)], fraudSignal: true);
        AssertFolds(state);
        Deadlines(state, T0.AddHours(20));
        Deadlines(state, T0.AddHours(30));
        Step(state, new ApproveRma(NewId(), "agent:a"), T0.AddHours(31));
        Step(state, new ReleaseRmaHold(NewId(), "agent:a"), T0.AddHours(32));
        Step(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.NotDroppedOff), T0.AddHours(33));
        Step(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Lost), T0.AddHours(34));
        Step(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 3), new ReceivedLine("L2", 1, ["SN-1"])], Final: true), T0.AddHours(40));
        Step(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit), T0.AddHours(41));
        Step(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A), new InspectedLine("L2", ItemGrade.D)]), T0.AddHours(42));
        Step(state, new DispositionRma(NewId(), "inspector:i"), T0.AddHours(43));
        Assert.Equal(RmaStatus.Inspecting, state.Status);
        Deadlines(state, T0.AddHours(100));
        Step(state, new DispositionRma(NewId(), "quality:q", [new LineDisposition("L2", Disposition.Scrap)]), T0.AddHours(101));
        Fold(state, RmaMachine.Handle(state, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementAdvance), T0.AddHours(102), new HashSet<string> { "SKU-TS" }));
        Step(state, new ReleaseRmaHold(NewId(), "agent:a"), T0.AddHours(103));
        Step(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit), T0.AddHours(104));
        Deadlines(state, T0.AddHours(200));
        Step(state, new ConfirmSettlement(NewId(), "erp", "CM-1"), T0.AddHours(201));
    }

    [Fact]
    public void TheFoldedRow_EqualsTheViewsRow_ForKeepItDeclineCancelAndShipByExpiry()
    {
        var keep = Authorized();
        RmaMachine.RecordRoute(keep, new Grains.Warehouses.RouteDecision("WH-1", ["route.cost"], "cheapest"), T0.AddMinutes(1), "route:2");
        AssertFolds(keep);
        Step(keep, new FlagRmaForReview(NewId(), "agent:a", "check"), T0.AddHours(2));
        Step(keep, new ApproveRma(NewId(), "agent:a"), T0.AddHours(3));
        Step(keep, new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.StoreCredit, "cheap"), T0.AddHours(4));
        Assert.Equal("WH-1", RmaReadModelFold.Fold("RMA-1", keep.Events)!.Warehouse);

        var (declined, _) = Create([Headphones()], policy: DefaultPolicy.Document with { AutoApproveLimit = 10m });
        Step(declined, new DeclineRma(NewId(), "agent:a", "no"));

        var cancelled = Authorized();
        Step(cancelled, new CancelRma(NewId(), "customer:c", CancelledBy.Customer));

        var expired = Authorized();
        Deadlines(expired, T0.AddDays(13));
        Deadlines(expired, T0.AddDays(20));
        Assert.Equal(RmaStatus.Expired, expired.Status);
    }

    [Fact]
    public void ALogWhoseRequestPredatesTheSlaField_IsNotFolded()
    {
        var state = Authorized();
        var released = state.Events[0] with { DataJson = state.Events[0].DataJson.Replace(",\"sla\":", ",\"old\":", StringComparison.Ordinal) };

        Assert.Null(RmaReadModelFold.Fold("RMA-1", [released, .. state.Events.Skip(1)]));
        Assert.Null(RmaReadModelFold.Fold("RMA-1", []));
    }

    private static void Step(RmaState state, IRmaCommand command, DateTimeOffset? at = null) => Fold(state, Ok(state, command, at));

    private static void Deadlines(RmaState state, DateTimeOffset at) => Fold(state, RmaMachine.CheckDeadlines(state, at));

    private static void Fold(RmaState state, RmaOutcome outcome)
    {
        Assert.Null(outcome.Rejection);
        AssertFolds(state);
    }

    private static void AssertFolds(RmaState state)
    {
        var view = RmaMachine.ToView(state);
        var expected = RmaSummaries.From(view, view.WarehouseId);
        var folded = RmaReadModelFold.Fold(view.RmaId, state.Events);

        Assert.NotNull(folded);
        Assert.Equal(expected.ReasonClasses, folded.ReasonClasses);
        Assert.Equal(WithoutListAndWarehouse(expected), WithoutListAndWarehouse(folded));
        Assert.True(expected.Warehouse is null || expected.Warehouse == folded.Warehouse, $"warehouse {folded.Warehouse}, the view's {expected.Warehouse}");
    }

    private static RmaSummary WithoutListAndWarehouse(RmaSummary row) => row with { ReasonClasses = Array.Empty<ReasonClass>(), Warehouse = null };
}
