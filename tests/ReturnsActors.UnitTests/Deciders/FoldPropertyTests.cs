using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Warehouses;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

/// <summary>The events are the record: for every scenario, after every command, folding the return's logged events (read back
/// from their stored JSON) from an empty state gives exactly the state the deciders left.</summary>
public sealed class FoldPropertyTests
{
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Left out of the comparison, each not domain state: <c>outbox</c> is delivery progress (events not yet handed to the
    /// event log; the grain empties it after the drain, so a rebuilt return has delivered everything), and <c>recentCommands</c> is
    /// the idempotency memory of command answers, refusals included, which are not events (the snapshot carries it).</summary>
    private static readonly string[] NotDomainState = ["outbox", "recentCommands"];

    private delegate RmaOutcome Step(RmaState state);

    public static TheoryData<string> Scenarios => new(ScenarioSteps.Keys);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void FoldingTheEvents_GivesTheLiveState_AfterEveryCommand(string scenario)
    {
        var (state, outcome) = ScenarioStart(scenario);
        Assert.Null(outcome.Rejection);
        AssertFoldMatches(state);

        foreach (var step in ScenarioSteps[scenario])
        {
            step(state);
            AssertFoldMatches(state);
        }

        Assert.True(state.Events.Count >= 3, "the scenario raised too few events to prove anything");
    }

    [Fact]
    public void TheScenarios_RaiseEveryEventType()
    {
        var raised = new HashSet<string>();
        foreach (var scenario in ScenarioSteps.Keys)
        {
            var (state, _) = ScenarioStart(scenario);
            foreach (var step in ScenarioSteps[scenario])
            {
                step(state);
            }

            raised.UnionWith(state.Events.Select(e => e.Type));
        }

        Assert.Equal(RmaEventCatalog.WireNames.Order(), raised.Order());
    }

    [Fact]
    public void AReturnLoggedBeforeTheAddedFields_Folds_UnderTheDefaultTermsOfItsLoggedVersion_AndDerivedStatuses()
    {
        var live = Authorized();
        Ok(live, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 2)], Final: true));
        Ok(live, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]));
        Ok(live, new DispositionRma(NewId(), "inspector:i"));
        // As the previous release wrote them: no orderDeliveredAt, policy or disposition status, and policy version 4 on the envelope.
        var released = live.Events.Select(e => e.Type switch
        {
            ReturnRequested.WireName => e with { PolicyVersion = 4, DataJson = Released<ReturnRequested>(e, r => r with { OrderDeliveredAt = null, Policy = null }) },
            ItemDispositioned.WireName => e with { DataJson = Released<ItemDispositioned>(e, d => d with { Status = null }) },
            _ => e,
        }).ToList();

        var folded = RmaEvolve.Fold(live.TenantId, live.RmaId, released);

        Assert.Equal(4, folded.Policy.Version);
        Assert.Equal(DefaultPolicy.Document.DispositionRules, folded.Policy.DispositionRules);
        Assert.Equal(default, folded.OrderDeliveredAt);
        Assert.Equal(RmaStatus.Dispositioned, folded.Status);
        Assert.Equal(live.Deadlines.Select(d => (d.Stage, d.DueAt, d.CompletedAt)), folded.Deadlines.Select(d => (d.Stage, d.DueAt, d.CompletedAt)));
    }

    private static string Released<T>(RmaEvent e, Func<T, T> strip) where T : IRmaEventData =>
        RmaEventCatalog.Serialize(strip((T)RmaEventCatalog.Deserialize(e))).Json;

    internal static void AssertFoldMatches(RmaState live)
    {
        var folded = RmaEvolve.Fold(live.TenantId, live.RmaId, live.Events.ToList());
        Assert.Equal(DomainJson(live), DomainJson(folded));
    }

    internal static string DomainJson(RmaState s)
    {
        var node = JsonSerializer.SerializeToNode(s, StateJson)!.AsObject();
        foreach (var name in NotDomainState)
        {
            Assert.True(node.Remove(name), $"RmaState has no '{name}' any more; update the exclusions");
        }

        return node.ToJsonString();
    }

    private static (RmaState, RmaOutcome) ScenarioStart(string scenario) => scenario switch
    {
        "review_then_cancel" or "decline" or "recommendations" => Create([new RequestedLine("4", 1, "broken", ReasonClass.Defect, ["SN-TV-1"])]),
        "fraud_hold" => Create([Shirts(1)], fraudSignal: true),
        "escalate_not_expire" => Create([Shirts()], policy: DefaultPolicy.Document with { Version = 3, BusinessUnit = "eu", ExpireWhenShipByPasses = false }),
        "two_lines_quality_review" or "short_shipped_and_serial_missing" => Create([Shirts(3), Headphones()]),
        _ => Create([Shirts()]),
    };

    private static RmaOutcome Check(RmaState s, DateTimeOffset at) => RmaMachine.CheckDeadlines(s, at);

    private static readonly Dictionary<string, Step[]> ScenarioSteps = new()
    {
        ["refund_close_reopen"] =
        [
            s => RmaMachine.RecordRoute(s, new RouteDecision("WH-1", ["route.cost"], "cheapest"), T0.AddMinutes(1), "route:2"),
            s => Ok(s, new AddRmaNote(NewId(), "agent:a", "called the customer")),
            s => Ok(s, new RecordLabel(NewId(), "agent:a", " ups ", " 1Z999 ", "https://labels.example/1Z999.pdf")),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit, T0.AddHours(2)), T0.AddHours(2)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered), T0.AddDays(2)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 1)], Warehouse: "WH-1"), T0.AddDays(3)),
            s => Check(s, T0.AddDays(11)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 1)], Final: true), T0.AddDays(11)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.B, "ok", ["photo-1"])]), T0.AddDays(11)),
            s => Ok(s, new DispositionRma(NewId(), "inspector:i"), T0.AddDays(11)),
            s => Ok(s, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment), T0.AddDays(12)),
            s => Ok(s, new ConfirmSettlement(NewId(), "erp", " REF-1 "), T0.AddDays(12)),
            s => Ok(s, new CloseRma(NewId(), "agent:a"), T0.AddDays(13)),
            s => Ok(s, new ReopenRma(NewId(), "agent:a", "customer called"), T0.AddDays(14)),
            s => Ok(s, new CloseRma(NewId(), "agent:a"), T0.AddDays(15)),
        ],
        ["review_then_cancel"] =
        [
            s => Ok(s, new RecordTaskActivity(NewId(), "agent:a", "T-1", "review", TaskActivity.Assigned, "ann")),
            s => Check(s, T0.AddHours(20)),
            s => Check(s, T0.AddHours(25)),
            s => Ok(s, new ApproveRma(NewId(), "agent:a", "fine"), T0.AddHours(26)),
            s => Ok(s, new RecordTaskActivity(NewId(), "agent:a", "T-1", "review", TaskActivity.Completed)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.NotDroppedOff, T0.AddHours(27)), T0.AddHours(27)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit), T0.AddHours(30)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Lost), T0.AddHours(40)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit), T0.AddHours(41)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered), T0.AddHours(50)),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit), T0.AddHours(51)),
            s => Ok(s, new CancelRma(NewId(), "merchant:m", CancelledBy.Merchant, "fraud confirmed"), T0.AddHours(52)),
        ],
        ["decline"] =
        [
            s => Ok(s, new RecordTaskActivity(NewId(), "agent:a", "T-1", "review", TaskActivity.Escalated, "supervisors")),
            s => Ok(s, new DeclineRma(NewId(), "agent:a", "outside warranty")),
            s => Ok(s, new CloseRma(NewId(), "agent:a")),
        ],
        ["fraud_hold"] =
        [
            s => Ok(s, new ReleaseRmaHold(NewId(), "fraud:f", "cleared")),
            s => Ok(s, new PlaceRmaHold(NewId(), "agent:a", "pending_approval")),
            s => Ok(s, new ReleaseRmaHold(NewId(), "finance:f", "approved by finance")),
            s => Ok(s, new ExpireRma(NewId(), "agent:a")),
        ],
        ["expiry_by_deadline"] =
        [
            s => Check(s, T0.AddDays(12)),
            s => Check(s, T0.AddDays(12)),
            s => Check(s, T0.AddDays(15)),
            s => Check(s, T0.AddDays(16)),
        ],
        ["escalate_not_expire"] =
        [
            s => Check(s, T0.AddDays(15)),
            s => Ok(s, new FlagRmaForReview(NewId(), "agent:a", "looks odd"), T0.AddDays(15)),
            s => Ok(s, new ApproveRma(NewId(), "agent:a"), T0.AddDays(16)),
            s => Ok(s, new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.StoreCredit, "cheaper than shipping"), T0.AddDays(16)),
            s => Check(s, T0.AddDays(30)),
            s => Ok(s, new ConfirmSettlement(NewId(), "erp", "CM-7"), T0.AddDays(31)),
        ],
        ["replacement_out_of_stock"] =
        [
            s => Ok(s, new RecordLabel(NewId(), "agent:a", "ups", "1Z999")),
            s => Ok(s, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 2)], Final: true)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)])),
            s => Ok(s, new DispositionRma(NewId(), "inspector:i")),
            s => RmaMachine.Handle(s, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementStandard), T0.AddHours(2), new HashSet<string> { "SKU-TS" }),
            s => Ok(s, new ReleaseRmaHold(NewId(), "agent:a")),
            s => RmaMachine.Handle(s, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementAdvance), T0.AddHours(3), new HashSet<string>()),
            s => Ok(s, new ConfirmSettlement(NewId(), "erp", "SO-9"), T0.AddHours(4)),
        ],
        ["keep_it_replacement"] =
        [
            s => Ok(s, new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.ReplacementStandard, "cheaper than shipping")),
            s => Ok(s, new ConfirmSettlement(NewId(), "erp", "SO-1")),
        ],
        ["recommendations"] =
        [
            s => Ok(s, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Approve, 0.91234, "adv-1", ["low value"], TriggerSeq: 1)),
            s => Ok(s, new OverrideRecommendation(NewId(), "agent:a", AdvisoryActions.Approve, AdvisoryActions.Decline, "seen this before")),
            s => Ok(s, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Approve, 0.95, "adv-2", [], RecommendationMode.AutoApplied)),
            s => Ok(s, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.ManualReview, 0.95, "adv-2", [], RecommendationMode.AutoApplied)),
            s => Ok(s, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Decline, 0.97, "adv-3", [], RecommendationMode.AutoApplied)),
            s => Ok(s, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Approve, 0.99, "adv-3", [], RecommendationMode.AutoApplied)),
        ],
        ["reroute_and_receipt_exceptions"] =
        [
            s => RmaMachine.RecordRoute(s, new RouteDecision("WH-1", ["route.cost"], "cheapest"), T0.AddMinutes(1), "route:2"),
            s => RmaMachine.Reroute(s, new RerouteRma(NewId(), "ops:o", "WH-1", "over capacity"), new RouteDecision("WH-2", ["route.capacity"], "capacity left"), T0.AddMinutes(5)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w3", [new ReceivedLine("L1", 1)], Warehouse: " WH-3 "), T0.AddDays(1)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w3", [new ReceivedLine("L1", 1, WrongItem: true)], Final: true, Warehouse: "WH-3"), T0.AddDays(2)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.D, "torn")]), T0.AddDays(2)),
            s => Ok(s, new DispositionRma(NewId(), "inspector:i"), T0.AddDays(2)),
            s => Ok(s, new DispositionRma(NewId(), "quality:q", [new LineDisposition("L1", Disposition.Donate)]), T0.AddDays(3)),
            s => Ok(s, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit), T0.AddDays(3)),
        ],
        ["short_shipped_and_serial_missing"] =
        [
            s => Ok(s, new ApproveRma(NewId(), "agent:a")),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 1), new ReceivedLine("L2", 1)]), T0.AddDays(1)),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [], Final: true), T0.AddDays(2)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.C), new InspectedLine("L2", ItemGrade.B)]), T0.AddDays(2)),
            s => Ok(s, new DispositionRma(NewId(), "inspector:i"), T0.AddDays(2)),
            s => Ok(s, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment), T0.AddDays(3)),
        ],
        ["unroutable"] =
        [
            s => RmaMachine.RecordRoute(s, new RouteDecision(null, ["route.region"], "no warehouse serves region DE"), T0.AddMinutes(1), "route:2"),
            s => Ok(s, new CancelRma(NewId(), "customer:c-1", CancelledBy.Customer, "changed my mind")),
        ],
        ["two_lines_quality_review"] =
        [
            s => Ok(s, new ApproveRma(NewId(), "agent:a", "fine")),
            s => Ok(s, new RecordReceipt(NewId(), "warehouse:w1", [new ReceivedLine("L1", 3), new ReceivedLine("L2", 1, ["SN-X"])]), T0.AddDays(1)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]), T0.AddDays(2)),
            s => Ok(s, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L2", ItemGrade.D)]), T0.AddDays(2)),
            s => Ok(s, new DispositionRma(NewId(), "inspector:i"), T0.AddDays(2)),
            s => Ok(s, new DispositionRma(NewId(), "quality:q", [new LineDisposition("L1", Disposition.QualityReview), new LineDisposition("L2", Disposition.Scrap)]), T0.AddDays(3)),
            s => Ok(s, new DispositionRma(NewId(), "quality:q", [new LineDisposition("L1", Disposition.Restock)]), T0.AddDays(4)),
            s => Check(s, T0.AddDays(9)),
            s => Ok(s, new SettleRma(NewId(), "finance:f", SettlementKind.CreditMemo), T0.AddDays(9)),
            s => Ok(s, new ConfirmSettlement(NewId(), "erp", "CM-1"), T0.AddDays(9)),
        ],
    };
}
