using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Warehouses;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Contracts;

/// <summary>Fixed walks through the state machine that raise every event type at least once, with fixed inputs, so the
/// payloads they write can be pinned byte for byte.</summary>
internal static class EventSamples
{
    private static int _ids;

    private static string Id() => $"cmd-{Interlocked.Increment(ref _ids)}";

    /// <summary>Every event of the walks, in the order raised.</summary>
    public static IReadOnlyList<RmaEvent> All()
    {
        var events = new List<RmaEvent>();

        // Refund path, with a hold and its release, a note, close and reopen.
        var refund = Dispositioned(ItemGrade.B, Shirts());
        Ok(refund, new PlaceRmaHold(Id(), "agent:a", "pending_approval"));
        Ok(refund, new ReleaseRmaHold(Id(), "agent:a", "approved by finance"));
        Ok(refund, new SettleRma(Id(), "finance:f", SettlementKind.RefundOriginalPayment));
        Ok(refund, new ConfirmSettlement(Id(), "erp", "REF-1"));
        Ok(refund, new CloseRma(Id(), "agent:a"));
        Ok(refund, new ReopenRma(Id(), "agent:a", "customer called"));
        Ok(refund, new AddRmaNote(Id(), "agent:a", "Customer says \"thanks\" <3"));
        Ok(refund, new RecordTaskActivity(Id(), "agent:a", "T-1", "review", TaskActivity.Assigned, "ann"));
        Ok(refund, new RecordTaskActivity(Id(), "agent:a", "T-1", "review", TaskActivity.Completed));
        Ok(refund, new RecordTaskActivity(Id(), "agent:a", "T-1", "review", TaskActivity.Escalated, "supervisors"));
        events.AddRange(refund.Events);

        // Above the auto-approve limit: review, then declined.
        var (review, _) = Create([new RequestedLine("4", 1, "broken", ReasonClass.Defect, ["SN-TV-1"])], commandId: "create-review");
        Ok(review, new DeclineRma(Id(), "agent:a", "outside warranty"));
        events.AddRange(review.Events);

        // Fraud signal within the limit: hold, authorized, fraud task; a recommendation and its override.
        var (fraud, _) = Create([Shirts(1)], fraudSignal: true, commandId: "create-fraud");
        Ok(fraud, new RecordRecommendation(Id(), "advisor:adv-1", AdvisoryActions.Approve, 0.912345, "adv-1", ["low value", "known customer"],
            RecommendationMode.Advisory, "policy does not allow automatic approve", 1));
        Ok(fraud, new OverrideRecommendation(Id(), "agent:a", AdvisoryActions.Approve, AdvisoryActions.Decline, "seen this before"));
        Ok(fraud, new CancelRma(Id(), "agent:a", CancelledBy.Merchant, "fraud confirmed"));
        events.AddRange(fraud.Events);

        // Carrier events: not dropped off, in transit, lost (with its task), a late in-transit, routing and rerouting.
        var carrier = Authorized(Headphones(ReasonClass.Defect));
        RmaMachine.RecordRoute(carrier, new RouteDecision("WH-1", ["route.region", "route.cost"], "cheapest in region"), T0.AddMinutes(5), "route:2");
        RmaMachine.Reroute(carrier, new RerouteRma(Id(), "agent:a", "WH-1", "over capacity"),
            new RouteDecision("WH-2", ["route.capacity"], "capacity left"), T0.AddMinutes(6));
        Ok(carrier, new RecordLabel(Id(), "agent:a", " ups ", " 1Z999 ", "https://labels.example/1Z999.pdf"));
        Ok(carrier, new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.NotDroppedOff, T0.AddHours(2)));
        Ok(carrier, new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.InTransit, T0.AddHours(3)));
        Ok(carrier, new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.Lost));
        Ok(carrier, new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.Delivered, T0.AddHours(30)));
        Ok(carrier, new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.InTransit, T0.AddHours(4)));
        // A wrong serial at another dock: receipt with a moved warehouse and a serial-mismatch task; inspection; disposition.
        Ok(carrier, new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L1", 1, ["SN-X"])], Final: true, Warehouse: "WH-3"));
        Ok(carrier, new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", ItemGrade.C, "scratched", ["photo-1", "photo-2"])]));
        Ok(carrier, new DispositionRma(Id(), "inspector:i", [new LineDisposition("L1", Disposition.ReturnToVendor)]));
        Ok(carrier, new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit));
        Ok(carrier, new ConfirmSettlement(Id(), "erp", " CM-7 "));
        events.AddRange(carrier.Events);

        // Partial receipt, then final with a short-shipped line and a wrong item; replacement out of stock, then granted.
        var (partial, _) = Create([Shirts(3), Headphones()], commandId: "create-partial");
        Ok(partial, new ApproveRma(Id(), "agent:a", "fine"));
        Ok(partial, new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L1", 1)]));
        Ok(partial, new RecordReceipt(Id(), "warehouse:w", [new ReceivedLine("L2", 1, WrongItem: true)], Final: true));
        Ok(partial, new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", ItemGrade.A), new InspectedLine("L2", ItemGrade.D)]));
        Ok(partial, new DispositionRma(Id(), "inspector:i"));
        if (partial.Status == RmaStatus.Inspecting)
        {
            Ok(partial, new DispositionRma(Id(), "quality:q", [new LineDisposition("L2", Disposition.Scrap)]));
        }

        var outOfStock = RmaMachine.Handle(partial, new SettleRma(Id(), "finance:f", SettlementKind.ReplacementStandard), T0.AddHours(5), new HashSet<string> { "SKU-TS" });
        Assert.Null(outOfStock.Rejection);
        Ok(partial, new ReleaseRmaHold(Id(), "agent:a"));
        Ok(partial, new SettleRma(Id(), "finance:f", SettlementKind.ReplacementStandard));
        Ok(partial, new ConfirmSettlement(Id(), "erp", "SO-9"));
        events.AddRange(partial.Events);

        // Keep it; unroutable; expiry (manual) and SLA warning and breach, ship-by expiry.
        var keep = Authorized();
        RmaMachine.RecordRoute(keep, new RouteDecision(null, ["route.region"], "no warehouse serves region DE"), T0.AddMinutes(1), "route:2");
        Ok(keep, new ResolveWithoutReturn(Id(), "agent:a", SettlementKind.StoreCredit, "cheaper than shipping"));
        events.AddRange(keep.Events);

        var expire = new RmaState();
        RmaMachine.Create(expire, new CreateRma("create-note", "customer:c-1", "ORD-1", [Shirts()], "Zu klein – bitte Ersatz & Rückruf", false),
            new CreateRmaContext("demo", "RMA-2", Order("marketplace"), new Dictionary<string, int>(), Grains.Policies.DefaultPolicy.Document, T0));
        Ok(expire, new ExpireRma(Id(), "agent:a"));
        events.AddRange(expire.Events);

        var late = Authorized();
        RmaMachine.CheckDeadlines(late, T0.AddDays(30));
        events.AddRange(late.Events);

        var (slow, _) = Create([Headphones()], policy: Grains.Policies.DefaultPolicy.Document with { AutoApproveLimit = 10m }, commandId: "create-slow");
        RmaMachine.CheckDeadlines(slow, T0.AddDays(30));
        events.AddRange(slow.Events);
        return events;
    }
}
