using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class SettlementDecisions
{
    private static readonly Money Refund = new(35.91m, "EUR");

    private static readonly SettlementRequested RefundRequested = new(SettlementKind.RefundOriginalPayment, Refund,
        [new SettlementLine("L1", 2, new Money(39.90m, "EUR"), new Money(3.99m, "EUR"), Money.Zero("EUR"), Refund)]);

    [Fact]
    public void GivenADispositionedReturn_WhenSettledByRefund_ThenTheRestockingFeeIsKept() =>
        Then(When(Given(DispositionedEvents(TwoShirts)), new SettleRma(NewId(), "finance:f", SettlementKind.RefundOriginalPayment)), RefundRequested);

    [Fact]
    public void GivenAHeldReturn_WhenSettled_ThenItIsRefused() =>
        ThenRejected(Given([.. DispositionedEvents(TwoShirts), new ReturnHoldPlaced("pending_approval")]),
            new SettleRma(NewId(), "finance:f", SettlementKind.StoreCredit), "rma.on_hold");

    [Fact]
    public void GivenADispositionedReturn_WhenTheReplacementIsOutOfStock_ThenItWaitsOnHoldWithATask()
    {
        var given = Given(DispositionedEvents(TwoShirts));

        Then(When(given, new SettleRma(NewId(), "finance:f", SettlementKind.ReplacementStandard), unavailableSkus: new HashSet<string> { "SKU-TS" }),
            new ReturnHoldPlaced(RmaMachine.HoldReplacementOutOfStock, SettlementKind.ReplacementStandard, ["SKU-TS"]),
            Task(7, TaskQueues.Exceptions, TaskQueues.KindReplacementOutOfStock,
                "Replacement (ReplacementStandard) out of stock: SKU-TS. Choose refund, store credit or retry the replacement."));
        Assert.Equal(RmaStatus.Dispositioned, given.Status);
    }

    [Fact]
    public void GivenARequestedRefund_WhenTheErpConfirms_ThenTheRefundIsIssuedAndTheReturnResolved()
    {
        var given = Given([.. DispositionedEvents(TwoShirts), RefundRequested]);

        Then(When(given, new ConfirmSettlement(NewId(), "erp", " REF-1 ")), new RefundIssued(SettlementKind.RefundOriginalPayment, "REF-1", Refund));
        Assert.Equal(RmaStatus.Resolved, given.Status);
        Assert.All(given.Deadlines, d => Assert.NotNull(d.CompletedAt));
    }

    [Fact]
    public void GivenAnAuthorizedReturn_WhenResolvedWithoutReturn_ThenTheCustomerKeepsTheGoodsAndIsCredited()
    {
        var given = Given(Requested(), Authorization());

        Then(When(given, new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.StoreCredit, "cheaper than shipping")),
            new ReturnResolvedWithoutReturn(SettlementKind.StoreCredit, "cheaper than shipping", new Money(39.90m, "EUR")));
        Assert.Equal(LineReceipt.KeptByCustomer, given.Lines[0].Receipt);
    }

    [Fact]
    public void GivenAReturnInTransit_WhenResolvedWithoutReturn_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization(), new ShipmentInTransit(null, false, RmaStatus.InTransit)),
            new ResolveWithoutReturn(NewId(), "agent:a", SettlementKind.StoreCredit, "late"), "rma.illegal_transition");
}
