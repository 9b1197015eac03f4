using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.UnitTests.Contracts;

/// <summary>The event contract: each event type keeps its wire name and writes exactly the payload it wrote before (the hash
/// chain is computed over the text, and webhook and connector consumers read it). One case per event type and payload shape,
/// pinned from the state machine as released; a new field is an additive, documented change of these strings.</summary>
public sealed class EventContractTests
{
    private static readonly IReadOnlyList<RmaEvent> Samples = EventSamples.All();

    /// <summary>Fields added after the release, per wire name, as the samples write them: appended after the released fields,
    /// so the released text is a prefix and a consumer that reads the released fields reads them unchanged.</summary>
    private static readonly Dictionary<string, string> Added = new()
    {
        [ReturnRequested.WireName] = ""","sla":{"authorizeHours":24,"shipHours":336,"receiveHours":240,"inspectHours":48,"refundHours":72,"warningPercent":80},"orderDeliveredAt":"2026-02-27T09:00:00+00:00","policy":{"version":0,"escalationQueue":"escalations","reviewQueue":"review","expireWhenShipByPasses":true,"restockingFeePercent":10,"restockingFeeReasonClasses":["convenience"],"gradeDeductions":[{"id":"deduction.c","grade":"c","percent":20},{"id":"deduction.d","grade":"d","percent":50}],"gradeDeductionReasonClasses":["convenience"],"dispositionRules":[{"id":"disposition.a","grade":"a","disposition":"restock"},{"id":"disposition.b.electronics","grade":"b","category":"electronics","disposition":"refurbish"},{"id":"disposition.b","grade":"b","disposition":"restock"},{"id":"disposition.c.electronics","grade":"c","category":"electronics","disposition":"repair"},{"id":"disposition.c","grade":"c","disposition":"donate"},{"id":"disposition.d","grade":"d","disposition":"quality_review"}],"defaultDisposition":"quality_review"}""",
        [ItemDispositioned.WireName] = ",\"status\":\"dispositioned\"",
    };

    private const string ReleasedReturnRequested =
        """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"2","sku":"SKU-TS","category":"apparel","quantity":2,"serialNumbers":[],"unitPrice":{"amount":19.95,"currency":"EUR"},"reasonCode":"too_small","reasonClass":"convenience"}]}""";

    [Theory]
    [InlineData("return.requested", 1, """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"2","sku":"SKU-TS","category":"apparel","quantity":2,"serialNumbers":[],"unitPrice":{"amount":19.95,"currency":"EUR"},"reasonCode":"too_small","reasonClass":"convenience"}]}""")]
    [InlineData("return.authorized", 1, """{"lines":[{"lineId":"L1","acceptance":"accepted"}]}""")]
    [InlineData("label.created", 1, """{"carrier":"ups","trackingNumber":"1Z999"}""")]
    [InlineData("shipment.delivered", 1, """{"stale":false,"status":"delivered"}""")]
    [InlineData("receipt.recorded", 1, """{"final":true,"firstArrival":true,"status":"received","lines":[{"lineId":"L1","quantity":2,"serialNumbers":[],"wrongItem":false,"receipt":"received","quantityReceived":2,"serialMismatch":false}]}""")]
    [InlineData("item.inspected", 1, """{"lineId":"L1","sku":"SKU-TS","grade":"b","conditionNotes":"ok","evidenceRefs":[]}""")]
    [InlineData("item.dispositioned", 1, """{"lineId":"L1","sku":"SKU-TS","grade":"b","disposition":"restock"}""")]
    [InlineData("return.hold_placed", 1, """{"reason":"pending_approval"}""")]
    [InlineData("return.hold_released", 1, """{"reason":"pending_approval","note":"approved by finance"}""")]
    [InlineData("settlement.requested", 1, """{"kind":"refund_original_payment","total":{"amount":35.91,"currency":"EUR"},"lines":[{"lineId":"L1","units":2,"value":{"amount":39.90,"currency":"EUR"},"restockingFee":{"amount":3.99,"currency":"EUR"},"deduction":{"amount":0,"currency":"EUR"},"amount":{"amount":35.91,"currency":"EUR"}}]}""")]
    [InlineData("settlement.refund_issued", 1, """{"kind":"refund_original_payment","reference":"REF-1","total":{"amount":35.91,"currency":"EUR"}}""")]
    [InlineData("return.closed", 1, """{"from":"resolved"}""")]
    [InlineData("return.reopened", 1, """{"reason":"customer called","status":"resolved"}""")]
    [InlineData("note.added", 1, """{"text":"Customer says \"thanks\" <3"}""")]
    [InlineData("task.assigned", 1, """{"taskId":"T-1","queue":"review","detail":"ann"}""")]
    [InlineData("task.completed", 1, """{"taskId":"T-1","queue":"review"}""")]
    [InlineData("task.escalated", 1, """{"taskId":"T-1","queue":"review","detail":"supervisors"}""")]
    [InlineData("return.requested", 2, """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"4","sku":"SKU-TV","category":"electronics","quantity":1,"serialNumbers":["SN-TV-1"],"unitPrice":{"amount":1500,"currency":"EUR"},"reasonCode":"broken","reasonClass":"defect"}]}""")]
    [InlineData("return.flagged", 1, """{"reason":"Return value 1500.00 EUR is above the auto-approve limit.","queue":"review"}""")]
    [InlineData("task.created", 1, """{"taskId":"RMA-1-review-3","queue":"review","kind":"review","reason":"Return value 1500.00 EUR is above the auto-approve limit."}""")]
    [InlineData("return.declined", 1, """{"reason":"outside warranty"}""")]
    [InlineData("recommendation.issued", 1, """{"action":"approve","confidence":0.9123,"modelVersion":"adv-1","reasons":["low value","known customer"],"mode":"advisory","why":"policy does not allow automatic approve","triggerSeq":1}""")]
    [InlineData("recommendation.overridden", 1, """{"recommendedAction":"approve","chosenAction":"decline","modelVersion":"adv-1","note":"seen this before"}""")]
    [InlineData("return.cancelled", 1, """{"by":"merchant","reason":"fraud confirmed"}""")]
    [InlineData("return.requested", 4, """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"1","sku":"SKU-HP","category":"electronics","quantity":1,"serialNumbers":["SN-1"],"unitPrice":{"amount":199.99,"currency":"EUR"},"reasonCode":"changed_mind","reasonClass":"defect"}]}""")]
    [InlineData("return.routed", 1, """{"warehouse":"WH-1","units":1,"reason":"cheapest in region"}""")]
    [InlineData("return.routed", 2, """{"warehouse":"WH-2","previousWarehouse":"WH-1","units":1,"reason":"capacity left","note":"over capacity"}""")]
    [InlineData("label.created", 2, """{"carrier":"ups","trackingNumber":"1Z999","labelUrl":"https://labels.example/1Z999.pdf"}""")]
    [InlineData("shipment.not_dropped_off", 1, """{"carrierOccurredAt":"2026-03-02T11:00:00+00:00","stale":false,"status":"awaiting_shipment"}""")]
    [InlineData("shipment.in_transit", 1, """{"carrierOccurredAt":"2026-03-02T12:00:00+00:00","stale":false,"status":"in_transit"}""")]
    [InlineData("shipment.lost", 1, """{"stale":false,"status":"in_transit"}""")]
    [InlineData("shipment.delivered", 2, """{"carrierOccurredAt":"2026-03-03T15:00:00+00:00","stale":false,"status":"delivered"}""")]
    [InlineData("receipt.recorded", 2, """{"warehouse":"WH-3","previousWarehouse":"WH-2","final":true,"firstArrival":true,"status":"received","lines":[{"lineId":"L1","quantity":1,"serialNumbers":["SN-X"],"wrongItem":false,"receipt":"received","quantityReceived":1,"serialMismatch":true}]}""")]
    [InlineData("item.inspected", 2, """{"lineId":"L1","sku":"SKU-HP","grade":"c","conditionNotes":"scratched","evidenceRefs":["photo-1","photo-2"]}""")]
    [InlineData("settlement.requested", 2, """{"kind":"store_credit","total":{"amount":199.99,"currency":"EUR"},"lines":[{"lineId":"L1","units":1,"value":{"amount":199.99,"currency":"EUR"},"restockingFee":{"amount":0,"currency":"EUR"},"deduction":{"amount":0,"currency":"EUR"},"amount":{"amount":199.99,"currency":"EUR"}}]}""")]
    [InlineData("settlement.credit_issued", 1, """{"kind":"store_credit","reference":"CM-7","total":{"amount":199.99,"currency":"EUR"}}""")]
    [InlineData("return.requested", 5, """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"2","sku":"SKU-TS","category":"apparel","quantity":3,"serialNumbers":[],"unitPrice":{"amount":19.95,"currency":"EUR"},"reasonCode":"too_small","reasonClass":"convenience"},{"lineId":"L2","orderLineId":"1","sku":"SKU-HP","category":"electronics","quantity":1,"serialNumbers":["SN-1"],"unitPrice":{"amount":199.99,"currency":"EUR"},"reasonCode":"changed_mind","reasonClass":"convenience"}]}""")]
    [InlineData("return.authorized", 4, """{"note":"fine","lines":[{"lineId":"L1","acceptance":"accepted"},{"lineId":"L2","acceptance":"accepted"}]}""")]
    [InlineData("receipt.recorded", 4, """{"final":true,"firstArrival":false,"status":"received","lines":[{"lineId":"L2","quantity":1,"serialNumbers":[],"wrongItem":true,"receipt":"wrong_item","quantityReceived":0,"serialMismatch":false},{"lineId":"L1","quantity":0,"receipt":"short_shipped","quantityReceived":1}]}""")]
    [InlineData("item.inspected", 3, """{"lineId":"L1","sku":"SKU-TS","grade":"a","evidenceRefs":[]}""")]
    [InlineData("return.hold_placed", 3, """{"reason":"replacement_out_of_stock","kind":"replacement_standard","skus":["SKU-TS"]}""")]
    [InlineData("return.hold_released", 2, """{"reason":"replacement_out_of_stock"}""")]
    [InlineData("settlement.requested", 3, """{"kind":"replacement_standard","total":{"amount":0,"currency":"EUR"},"lines":[{"lineId":"L1","units":1,"value":{"amount":19.95,"currency":"EUR"},"restockingFee":{"amount":0,"currency":"EUR"},"deduction":{"amount":0,"currency":"EUR"},"amount":{"amount":0,"currency":"EUR"}},{"lineId":"L2","units":0,"value":{"amount":0.00,"currency":"EUR"},"restockingFee":{"amount":0,"currency":"EUR"},"deduction":{"amount":0,"currency":"EUR"},"amount":{"amount":0,"currency":"EUR"}}]}""")]
    [InlineData("settlement.replacement_created", 1, """{"kind":"replacement_standard","reference":"SO-9","total":{"amount":0,"currency":"EUR"}}""")]
    [InlineData("return.unroutable", 1, """{"reason":"no warehouse serves region DE","units":2}""")]
    [InlineData("return.resolved_without_return", 1, """{"kind":"store_credit","reason":"cheaper than shipping","total":{"amount":39.90,"currency":"EUR"}}""")]
    [InlineData("return.requested", 7, """{"orderId":"ORD-1","channel":"marketplace","customerNote":"Zu klein – bitte Ersatz & Rückruf","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"2","sku":"SKU-TS","category":"apparel","quantity":2,"serialNumbers":[],"unitPrice":{"amount":19.95,"currency":"EUR"},"reasonCode":"too_small","reasonClass":"convenience"}]}""")]
    [InlineData("return.expired", 1, """{"reason":"manual","shipBy":"2026-03-16T09:00:00+00:00"}""")]
    [InlineData("sla.warning", 1, """{"stage":"ship","dueAt":"2026-03-16T09:00:00+00:00","warnAt":"2026-03-13T13:48:00+00:00"}""")]
    [InlineData("sla.breached", 1, """{"stage":"ship","dueAt":"2026-03-16T09:00:00+00:00"}""")]
    public void EachEventType_WritesItsPinnedWireNameAndPayload(string wireName, int released, string releasedJson)
    {
        var e = Samples.Where(s => s.Type == wireName).ElementAtOrDefault(released - 1);
        var json = Added.TryGetValue(wireName, out var added) ? releasedJson[..^1] + added + "}" : releasedJson;

        Assert.True(e is not null, $"no {wireName} #{released} in the samples");
        Assert.Equal(json, e.DataJson);
        // The typed record reads the stored text back and writes the very same text.
        var data = RmaEventCatalog.Deserialize(e);
        Assert.IsNotType<UnknownRmaEvent>(data);
        Assert.Equal((wireName, json), RmaEventCatalog.Serialize(data));
    }

    [Theory]
    [InlineData(typeof(RecommendationIssued), "recommendation.issued")]
    [InlineData(typeof(RecommendationOverridden), "recommendation.overridden")]
    [InlineData(typeof(SlaWarning), "sla.warning")]
    [InlineData(typeof(SlaBreached), "sla.breached")]
    [InlineData(typeof(ItemDispositioned), "item.dispositioned")]
    [InlineData(typeof(ReturnRequested), "return.requested")]
    [InlineData(typeof(ReturnHoldPlaced), "return.hold_placed")]
    [InlineData(typeof(ReturnHoldReleased), "return.hold_released")]
    [InlineData(typeof(ItemInspected), "item.inspected")]
    [InlineData(typeof(ReturnCancelled), "return.cancelled")]
    [InlineData(typeof(ReturnExpired), "return.expired")]
    [InlineData(typeof(ReturnClosed), "return.closed")]
    [InlineData(typeof(ReturnReopened), "return.reopened")]
    [InlineData(typeof(NoteAdded), "note.added")]
    [InlineData(typeof(ReceiptRecorded), "receipt.recorded")]
    [InlineData(typeof(ReturnAuthorized), "return.authorized")]
    [InlineData(typeof(ReturnFlagged), "return.flagged")]
    [InlineData(typeof(ReturnDeclined), "return.declined")]
    [InlineData(typeof(ReturnRouted), "return.routed")]
    [InlineData(typeof(ReturnUnroutable), "return.unroutable")]
    [InlineData(typeof(SettlementRequested), "settlement.requested")]
    [InlineData(typeof(RefundIssued), "settlement.refund_issued")]
    [InlineData(typeof(CreditIssued), "settlement.credit_issued")]
    [InlineData(typeof(ReplacementCreated), "settlement.replacement_created")]
    [InlineData(typeof(ReturnResolvedWithoutReturn), "return.resolved_without_return")]
    [InlineData(typeof(LabelCreated), "label.created")]
    [InlineData(typeof(ShipmentInTransit), "shipment.in_transit")]
    [InlineData(typeof(ShipmentDelivered), "shipment.delivered")]
    [InlineData(typeof(ShipmentLost), "shipment.lost")]
    [InlineData(typeof(ShipmentNotDroppedOff), "shipment.not_dropped_off")]
    [InlineData(typeof(TaskCreated), "task.created")]
    [InlineData(typeof(TaskAssigned), "task.assigned")]
    [InlineData(typeof(TaskCompleted), "task.completed")]
    [InlineData(typeof(TaskEscalated), "task.escalated")]
    public void EachEventRecord_DeclaresItsWireName(Type type, string wireName)
    {
        Assert.Equal(wireName, RmaEventCatalog.WireNameOf((IRmaEventData)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type)));
        Assert.Equal(type, RmaEventCatalog.TypeOf(wireName));
    }

    [Fact]
    public void TheCatalog_HasOneRecordPerWireName_AndEachIsPinnedAbove()
    {
        var pinned = typeof(EventContractTests).GetMethod(nameof(EachEventRecord_DeclaresItsWireName))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).Single()[1]).ToHashSet();

        Assert.Equal(RmaEventCatalog.Types.Count, RmaEventCatalog.WireNames.Count);
        Assert.Equal(pinned.Order(), RmaEventCatalog.WireNames.Order());
        Assert.Equal(pinned.Order(), Samples.Select(e => e.Type).Distinct().Order());
    }

    [Fact]
    public void TheCustomerRegionAndSupplier_AreAdditiveFieldsOfReturnRequested_AfterTheReleasedOnes()
    {
        var order = Fixtures.Order() with { CustomerId = " c-42 ", Region = "de" };
        order = order with { Lines = [order.Lines[1] with { SupplierId = "sup-1" }] };
        var state = new RmaState();
        RmaMachine.Create(state, new CreateRma("c1", "customer:c-42", "ORD-1", [Fixtures.Shirts()]),
            new CreateRmaContext("demo", "RMA-1", order, new Dictionary<string, int>(), Grains.Policies.DefaultPolicy.Document, Fixtures.T0));

        Assert.Equal(
            """{"orderId":"ORD-1","channel":"web","fraudSignal":false,"lines":[{"lineId":"L1","orderLineId":"2","sku":"SKU-TS","category":"apparel","quantity":2,"serialNumbers":[],"unitPrice":{"amount":19.95,"currency":"EUR"},"reasonCode":"too_small","reasonClass":"convenience","supplierId":"sup-1"}],"customerId":"c-42","region":"DE","sla":{"authorizeHours":24,"shipHours":336,"receiveHours":240,"inspectHours":48,"refundHours":72,"warningPercent":80},"orderDeliveredAt":"2026-02-27T09:00:00+00:00","policy":{"version":0,"escalationQueue":"escalations","reviewQueue":"review","expireWhenShipByPasses":true,"restockingFeePercent":10,"restockingFeeReasonClasses":["convenience"],"gradeDeductions":[{"id":"deduction.c","grade":"c","percent":20},{"id":"deduction.d","grade":"d","percent":50}],"gradeDeductionReasonClasses":["convenience"],"dispositionRules":[{"id":"disposition.a","grade":"a","disposition":"restock"},{"id":"disposition.b.electronics","grade":"b","category":"electronics","disposition":"refurbish"},{"id":"disposition.b","grade":"b","disposition":"restock"},{"id":"disposition.c.electronics","grade":"c","category":"electronics","disposition":"repair"},{"id":"disposition.c","grade":"c","disposition":"donate"},{"id":"disposition.d","grade":"d","disposition":"quality_review"}],"defaultDisposition":"quality_review"}}""",
            state.Events[0].DataJson);
    }

    [Fact]
    public void AnEventWrittenBeforeTheAdditiveFields_StillReads_WithThemAbsent()
    {
        var data = Assert.IsType<ReturnRequested>(RmaEventCatalog.Deserialize(ReturnRequested.WireName, ReleasedReturnRequested));

        Assert.Null(data.CustomerId);
        Assert.Null(data.Region);
        Assert.Null(data.Sla);
        Assert.Null(data.OrderDeliveredAt);
        Assert.Null(data.Policy);
        Assert.Null(data.Lines[0].SupplierId);
        Assert.Equal(ReasonClass.Convenience, data.Lines[0].ReasonClass);
        var disposition = Assert.IsType<ItemDispositioned>(RmaEventCatalog.Deserialize(ItemDispositioned.WireName,
            """{"lineId":"L1","sku":"SKU-TS","grade":"b","disposition":"restock"}"""));
        Assert.Null(disposition.Status);
    }

    [Theory]
    [InlineData("vendor_claim.submitted", """{"claimId":"C-1"}""")]
    [InlineData("return.authorized", "not json")]
    [InlineData("return.authorized", "")]
    public void AnUnknownTypeOrUnreadablePayload_IsAnUnknownEvent_KeptAsStored(string type, string json)
    {
        var data = RmaEventCatalog.Deserialize(type, json);

        Assert.Equal(new UnknownRmaEvent(type, json), data);
        Assert.Equal((type, json), RmaEventCatalog.Serialize(data));
    }
}
