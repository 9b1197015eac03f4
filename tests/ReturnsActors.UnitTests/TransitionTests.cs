using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class TransitionTests
{
    [Fact]
    public void FullLifecycle_FromRequestToClosed_RaisesTheEventsInOrder()
    {
        var state = Dispositioned(ItemGrade.A, Shirts());
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment));
        Assert.Equal(RmaStatus.PendingSettlement, state.Status);
        Ok(state, new ConfirmSettlement(NewId(), "erp", "REF-1"));
        Assert.Equal(RmaStatus.Resolved, state.Status);
        Ok(state, new CloseRma(NewId(), "agent:a"));

        Assert.Equal(RmaStatus.Closed, state.Status);
        Assert.Equal(
            ["return.requested", "return.authorized", "label.created", "shipment.delivered", "receipt.recorded", "item.inspected",
             "item.dispositioned", "settlement.requested", "settlement.refund_issued", "return.closed"],
            state.Events.Types());
        Assert.Equal(Enumerable.Range(1, state.Events.Count).Select(i => (long)i), state.Events.Select(e => e.Seq));
        Assert.All(state.Deadlines, d => Assert.NotNull(d.CompletedAt));
    }

    public static TheoryData<string, RmaStatus[]> Guards() => new()
    {
        { "approve", [RmaStatus.Requested, RmaStatus.UnderReview] },
        { "decline", [RmaStatus.Requested, RmaStatus.UnderReview] },
        { "flag", [RmaStatus.Requested, RmaStatus.Authorized] },
        { "label", [RmaStatus.Authorized, RmaStatus.AwaitingShipment] },
        { "carrier", [RmaStatus.Authorized, RmaStatus.AwaitingShipment, RmaStatus.InTransit, RmaStatus.Delivered, RmaStatus.Received,
            RmaStatus.PartiallyReceived, RmaStatus.Inspecting, RmaStatus.Dispositioned, RmaStatus.PendingSettlement, RmaStatus.Resolved] },
        { "receive", [RmaStatus.Authorized, RmaStatus.AwaitingShipment, RmaStatus.InTransit, RmaStatus.Delivered, RmaStatus.PartiallyReceived] },
        { "inspect", [RmaStatus.Received, RmaStatus.PartiallyReceived, RmaStatus.Inspecting] },
        { "disposition", [RmaStatus.Received, RmaStatus.Inspecting] },
        { "settle", [RmaStatus.Dispositioned] },
        { "confirm", [RmaStatus.PendingSettlement] },
        { "keep", [RmaStatus.Authorized, RmaStatus.AwaitingShipment] },
        { "expire", [RmaStatus.Requested, RmaStatus.UnderReview, RmaStatus.Authorized, RmaStatus.AwaitingShipment] },
        { "close", [RmaStatus.Resolved, RmaStatus.Declined] },
        { "reopen", [RmaStatus.Closed] },
        { "cancel_customer", [RmaStatus.Requested, RmaStatus.UnderReview, RmaStatus.Authorized, RmaStatus.AwaitingShipment] },
        { "cancel_merchant", [RmaStatus.Requested, RmaStatus.UnderReview, RmaStatus.Authorized, RmaStatus.AwaitingShipment, RmaStatus.InTransit, RmaStatus.Delivered] },
    };

    [Theory]
    [MemberData(nameof(Guards))]
    public void Command_FromEveryStatusOutsideItsAllowedSet_IsConflict(string command, RmaStatus[] allowed)
    {
        foreach (var status in Enum.GetValues<RmaStatus>().Except(allowed))
        {
            var state = Authorized();
            state.Status = status;
            var before = state.LastSeq;

            var outcome = Do(state, Command(command));

            Assert.True(outcome.Rejection is { Kind: RejectionKind.Conflict }, $"{command} from {status} should be refused, got {outcome.Rejection?.Code ?? "success"}");
            Assert.Equal(status, state.Status);
            Assert.Equal(before, state.LastSeq);
        }
    }

    private static IRmaCommand Command(string name) => name switch
    {
        "approve" => new ApproveRma(NewId(), "agent:a"),
        "decline" => new DeclineRma(NewId(), "agent:a", "no"),
        "flag" => new FlagRmaForReview(NewId(), "agent:a", "check"),
        "label" => new RecordLabel(NewId(), "agent:a", "ups", "1Z"),
        "carrier" => new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit),
        "receive" => new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1)]),
        "inspect" => new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]),
        "disposition" => new DispositionRma(NewId(), "inspector:i"),
        "settle" => new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit),
        "confirm" => new ConfirmSettlement(NewId(), "erp", "R"),
        "keep" => new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.StoreCredit, "cheap"),
        "expire" => new ExpireRma(NewId(), "system"),
        "close" => new CloseRma(NewId(), "agent:a"),
        "reopen" => new ReopenRma(NewId(), "agent:a", "customer called"),
        "cancel_customer" => new CancelRma(NewId(), "customer:c", CancelledBy.Customer),
        "cancel_merchant" => new CancelRma(NewId(), "agent:a", CancelledBy.Merchant),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void Approve_FromReview_AcceptsLinesAndStartsShipDeadline()
    {
        var (state, _) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);

        var outcome = Ok(state, new ApproveRma(NewId(), "agent:a", "looks fine"));

        Assert.Equal(RmaStatus.Authorized, state.Status);
        Assert.Equal(LineAcceptance.Accepted, state.Lines[0].Acceptance);
        Assert.Equal(["return.authorized"], outcome.Events.Types());
        Assert.Contains(state.Deadlines, d => d.Stage == RmaMachine.StageAuthorize && d.CompletedAt is not null);
        Assert.Contains(state.Deadlines, d => d.Stage == RmaMachine.StageShip && d.CompletedAt is null);
    }

    [Fact]
    public void Decline_FromReview_RejectsEveryLine()
    {
        var (state, _) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);

        Ok(state, new DeclineRma(NewId(), "agent:a", "abuse"));

        Assert.Equal(RmaStatus.Declined, state.Status);
        Assert.All(state.Lines, l => Assert.Equal(LineAcceptance.Rejected, l.Acceptance));
    }

    [Fact]
    public void Decline_WithoutReason_IsInvalid()
    {
        var (state, _) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);

        var outcome = Do(state, new DeclineRma(NewId(), "agent:a", " "));

        Assert.Equal(RejectionKind.Invalid, outcome.Rejection?.Kind);
        Assert.True(outcome.Rejection!.Errors!.ContainsKey("reason"));
    }

    [Fact]
    public void Cancel_ByCustomerOnceParcelMoves_IsConflict_ButMerchantMayCancel()
    {
        var state = Authorized();
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit));

        Assert.Equal(RejectionKind.Conflict, Do(state, new CancelRma(NewId(), "customer:c", CancelledBy.Customer)).Rejection?.Kind);
        Ok(state, new CancelRma(NewId(), "agent:a", CancelledBy.Merchant, "lost cause"));
        Assert.Equal(RmaStatus.Cancelled, state.Status);
    }

    [Fact]
    public void Delivered_BeforeInTransit_IsAppliedByMeaning()
    {
        var state = Authorized();
        Ok(state, new RecordLabel(NewId(), "agent:a", "dhl", "JD0001"));

        Ok(state, new RecordCarrierEvent(NewId(), "carrier:dhl", CarrierEventKind.Delivered));
        var late = Ok(state, new RecordCarrierEvent(NewId(), "carrier:dhl", CarrierEventKind.InTransit));

        Assert.Equal(RmaStatus.Delivered, state.Status);
        Assert.All(state.Lines, l => Assert.Equal(LineLogistics.Delivered, l.Logistics));
        Assert.Contains("\"stale\":true", Assert.Single(late.Events).DataJson);
        Assert.Contains(state.Deadlines, d => d.Stage == RmaMachine.StageReceive && d.CompletedAt is null);
    }

    [Fact]
    public void InTransit_ThenDelivered_MovesThroughBothStates()
    {
        var state = Authorized();
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit));
        Assert.Equal(RmaStatus.InTransit, state.Status);
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Delivered));
        Assert.Equal(RmaStatus.Delivered, state.Status);
    }

    [Fact]
    public void Lost_WhileInTransit_MarksLinesLostAndEscalates()
    {
        var state = Authorized();
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.InTransit));

        var outcome = Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.Lost));

        Assert.Equal(["shipment.lost", "task.created"], outcome.Events.Types());
        Assert.Contains("\"queue\":\"escalations\"", outcome.Events[1].DataJson);
        Assert.All(state.Lines, l => Assert.Equal(LineLogistics.Lost, l.Logistics));
    }

    [Fact]
    public void NotDroppedOff_KeepsAwaitingShipmentAndAllowsExpiry()
    {
        var state = Authorized();
        Ok(state, new RecordLabel(NewId(), "agent:a", "ups", "1Z"));
        Ok(state, new RecordCarrierEvent(NewId(), "carrier:ups", CarrierEventKind.NotDroppedOff));

        Assert.Equal(RmaStatus.AwaitingShipment, state.Status);
        Assert.All(state.Lines, l => Assert.Equal(LineLogistics.NotDroppedOff, l.Logistics));
        Ok(state, new ExpireRma(NewId(), "system"));
        Assert.Equal(RmaStatus.Expired, state.Status);
    }

    [Fact]
    public void Expire_AfterGoodsShipped_IsConflict()
    {
        var state = Authorized();
        Ok(state, new RecordLabel(NewId(), "agent:a", "ups", "1Z"));
        state.Lines[0].Logistics = LineLogistics.InTransit;

        Assert.Equal("rma.illegal_transition", Do(state, new ExpireRma(NewId(), "system")).Rejection?.Code);
    }

    [Fact]
    public void PartialReceipt_ThenRest_GoesPartiallyReceivedThenReceived()
    {
        var state = Authorized(Shirts(3));

        Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1)]));
        Assert.Equal(RmaStatus.PartiallyReceived, state.Status);
        Assert.Equal(1, state.Lines[0].QuantityReceived);

        Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 2)]));
        Assert.Equal(RmaStatus.Received, state.Status);
        Assert.Equal(LineReceipt.Received, state.Lines[0].Receipt);
    }

    [Fact]
    public void Receipt_MoreThanRequested_IsInvalid()
    {
        var state = Authorized(Shirts(2));

        var outcome = Do(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 3)]));

        Assert.Equal(RejectionKind.Invalid, outcome.Rejection?.Kind);
        Assert.True(outcome.Rejection!.Errors!.ContainsKey("lines[0].quantity"));
    }

    [Fact]
    public void FinalReceipt_WithMissingUnits_IsShortShippedAndSettlesOnlyWhatArrived()
    {
        var state = Authorized(Shirts(3, ReasonClass.Defect));
        Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 2)], Final: true));

        Assert.Equal(RmaStatus.Received, state.Status);
        Assert.Equal(LineReceipt.ShortShipped, state.Lines[0].Receipt);

        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]));
        Ok(state, new DispositionRma(NewId(), "inspector:i"));
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment));
        Assert.Equal(new Money(39.90m, "EUR"), state.Lines[0].SettledAmount);
    }

    [Fact]
    public void Receipt_WithSerialMismatch_FlagsLineAndCreatesInspectionExceptionTask()
    {
        var state = Authorized(Headphones(ReasonClass.Defect));

        var outcome = Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1, ["SN-OTHER"])]));

        Assert.True(state.Lines[0].SerialMismatch);
        Assert.Equal(RmaStatus.Received, state.Status);
        var task = outcome.Events.Single(e => e.Type == "task.created");
        Assert.Contains("\"queue\":\"inspection_exception\"", task.DataJson);
        Assert.Contains("\"kind\":\"serial_mismatch\"", task.DataJson);
    }

    [Fact]
    public void Receipt_OfWrongItem_IsRecordedAndRefundsNothing()
    {
        var state = Authorized(Shirts(1, ReasonClass.WrongItem));
        var outcome = Ok(state, new RecordReceipt(NewId(), "warehouse:w", [new ReceivedLine("L1", 1, WrongItem: true)]));

        Assert.Equal(LineReceipt.WrongItem, state.Lines[0].Receipt);
        Assert.Contains(outcome.Events, e => e.Type == "task.created" && e.DataJson.Contains("wrong_item"));
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.B)]));
        Ok(state, new DispositionRma(NewId(), "inspector:i", [new LineDisposition("L1", Disposition.ReturnToVendor)]));
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment));
        Assert.Equal(0m, state.Lines[0].SettledAmount!.Amount);
    }

    [Fact]
    public void Disposition_BeforeEveryLineIsInspected_IsConflict()
    {
        var state = Received(Shirts(), Headphones());
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.A)]));

        Assert.Equal("rma.inspection_incomplete", Do(state, new DispositionRma(NewId(), "inspector:i")).Rejection?.Code);
    }

    [Fact]
    public void Disposition_ByPolicy_UsesGradeAndCategoryRule()
    {
        var state = Received(Shirts(), Headphones());
        Ok(state, new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.C, "worn"), new InspectedLine("L2", ItemGrade.C, "scratched", ["photo-1"])]));

        var outcome = Ok(state, new DispositionRma(NewId(), "inspector:i"));

        Assert.Equal(Disposition.Donate, state.Lines[0].Disposition);
        Assert.Equal(Disposition.Repair, state.Lines[1].Disposition);
        Assert.Equal(["disposition.c"], outcome.Events[0].RuleIds);
        Assert.Equal(["disposition.c.electronics"], outcome.Events[1].RuleIds);
        Assert.Equal(["photo-1"], state.Lines[1].EvidenceRefs);
    }

    [Fact]
    public void Settle_WhileOnHold_IsConflict_AndWorksAfterRelease()
    {
        var state = Dispositioned();
        Ok(state, new PlaceRmaHold(NewId(), "agent:a", "chargeback pending"));

        Assert.Equal("rma.on_hold", Do(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit)).Rejection?.Code);
        Assert.Equal(RmaStatus.Dispositioned, state.Status);

        Ok(state, new ReleaseRmaHold(NewId(), "agent:a"));
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit));
        Assert.Equal(RmaStatus.PendingSettlement, state.Status);
    }

    [Fact]
    public void Settle_ConvenienceReturn_DeductsRestockingFeeRoundedToEven()
    {
        var state = Dispositioned(ItemGrade.A, Headphones());

        var outcome = Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment));

        // 10 % of 199.99 = 19.999 -> 20.00; refund 179.99.
        Assert.Equal(new Money(20.00m, "EUR"), state.Lines[0].RestockingFee);
        Assert.Equal(new Money(179.99m, "EUR"), state.Lines[0].SettledAmount);
        Assert.Contains("restocking_fee", outcome.Events[0].RuleIds);
    }

    [Fact]
    public void Settle_DefectGradeD_IsRefundedInFull_TheDefectIsNotTheCustomersDoing()
    {
        var state = Dispositioned(ItemGrade.D, Shirts(2, ReasonClass.Defect));

        var outcome = Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit));

        Assert.Equal(0m, state.Lines[0].RestockingFee!.Amount);
        Assert.Equal(0m, state.Lines[0].Deduction!.Amount);
        Assert.Equal(new Money(39.90m, "EUR"), state.Lines[0].SettledAmount);
        Assert.Empty(outcome.Events[0].RuleIds);
    }

    [Fact]
    public void Settle_ConvenienceGradeD_CarriesTheGradeDeduction()
    {
        var state = Dispositioned(ItemGrade.D, Shirts(2, ReasonClass.Convenience));

        var outcome = Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit));

        // 39.90 less the 10 % restocking fee (3.99) and the 50 % grade-D deduction (19.95).
        Assert.Equal(new Money(3.99m, "EUR"), state.Lines[0].RestockingFee);
        Assert.Equal(new Money(19.95m, "EUR"), state.Lines[0].Deduction);
        Assert.Equal(new Money(15.96m, "EUR"), state.Lines[0].SettledAmount);
        Assert.Equal(["restocking_fee", "deduction.d"], outcome.Events[0].RuleIds);
    }

    [Fact]
    public void Confirm_ForStoreCredit_RaisesCreditIssued()
    {
        var state = Dispositioned();
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit));

        var outcome = Ok(state, new ConfirmSettlement(NewId(), "erp", "CM-9"));

        Assert.Equal("settlement.credit_issued", Assert.Single(outcome.Events).Type);
        Assert.Equal("CM-9", state.SettlementReference);
    }

    [Fact]
    public void Replacement_SettlesWithoutRefundAndCreatesReplacement()
    {
        var state = Dispositioned(ItemGrade.A, Headphones(ReasonClass.Defect));
        Ok(state, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementStandard));

        var outcome = Ok(state, new ConfirmSettlement(NewId(), "erp", "SO-77"));

        Assert.Equal(0m, state.Lines[0].SettledAmount!.Amount);
        Assert.Equal("settlement.replacement_created", Assert.Single(outcome.Events).Type);
    }

    [Fact]
    public void KeepIt_FromAuthorized_SettlesFullValueWithoutShipping()
    {
        var state = Authorized(Shirts(2));

        Ok(state, new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.RefundOriginalPayment, "cheaper than shipping"));

        Assert.Equal(RmaStatus.PendingSettlement, state.Status);
        Assert.Equal(LineReceipt.KeptByCustomer, state.Lines[0].Receipt);
        Assert.Equal(new Money(39.90m, "EUR"), state.Lines[0].SettledAmount);
        Ok(state, new ConfirmSettlement(NewId(), "erp", "R-1"));
        Assert.Equal(RmaStatus.Resolved, state.Status);
    }

    [Fact]
    public void Reopen_ReturnsToTheStateItWasClosedFrom()
    {
        var (state, _) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);
        Ok(state, new DeclineRma(NewId(), "agent:a", "no"));
        Ok(state, new CloseRma(NewId(), "agent:a"));

        Ok(state, new ReopenRma(NewId(), "agent:a", "customer appealed"));

        Assert.Equal(RmaStatus.Declined, state.Status);
    }

    [Fact]
    public void Hold_Twice_IsConflict_AndNoteIsRecorded()
    {
        var state = Authorized();
        Ok(state, new PlaceRmaHold(NewId(), "agent:a", "check"));
        Assert.Equal("rma.on_hold", Do(state, new PlaceRmaHold(NewId(), "agent:a", "again")).Rejection?.Code);

        var note = Ok(state, new AddRmaNote(NewId(), "agent:a", "Called the customer."));
        Assert.Contains("Called the customer.", note.Events[0].DataJson);
    }

    [Fact]
    public void Command_OnReturnThatDoesNotExist_IsNotFound()
    {
        Assert.Equal(RejectionKind.NotFound, Do(new RmaState(), new ApproveRma("a", "agent:a")).Rejection?.Kind);
    }
}
