using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class LifecycleDecisions
{
    private static readonly Money Refund = new(39.90m, "EUR");

    private static IRmaEventData[] Resolved =>
    [
        .. DispositionedEvents(TwoShirts),
        new SettlementRequested(SettlementKind.StoreCredit, Refund,
            [new SettlementLine("L1", 2, Refund, Money.Zero("EUR"), Money.Zero("EUR"), Refund)]),
        new CreditIssued(SettlementKind.StoreCredit, "CM-1", Refund),
    ];

    [Fact]
    public void GivenAnAuthorizedReturn_WhenTheMerchantCancels_ThenItIsCancelled() =>
        Then(When(Given(Requested(), Authorization()), new CancelRma(NewId(), "merchant:m", CancelledBy.Merchant, "fraud confirmed")),
            new ReturnCancelled(CancelledBy.Merchant, "fraud confirmed"));

    [Fact]
    public void GivenGoodsOnTheWay_WhenTheCustomerCancels_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization(), new ShipmentInTransit(null, false, RmaStatus.InTransit)),
            new CancelRma(NewId(), "customer:c-1", CancelledBy.Customer), "rma.illegal_transition");

    [Fact]
    public void GivenAnAuthorizedReturn_WhenExpiredByHand_ThenTheExpiryNamesTheShipByDate() =>
        Then(When(Given(Requested(), Authorization()), new ExpireRma(NewId(), "agent:a")), new ReturnExpired("manual", T0.AddDays(14)));

    [Fact]
    public void GivenGoodsOnTheWay_WhenExpired_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization(), new ShipmentInTransit(null, false, RmaStatus.InTransit)), new ExpireRma(NewId(), "agent:a"),
            "rma.illegal_transition");

    [Fact]
    public void GivenAResolvedReturn_WhenClosedAndReopened_ThenItGoesBackToResolved()
    {
        var given = Given(Resolved);

        Then(When(given, new CloseRma(NewId(), "agent:a")), new ReturnClosed(RmaStatus.Resolved));
        Then(When(given, new ReopenRma(NewId(), "agent:a", "customer called")), new ReturnReopened("customer called", RmaStatus.Resolved));
        Assert.Equal(RmaStatus.Resolved, given.Status);
        Assert.Null(given.StatusBeforeClose);
    }

    [Fact]
    public void GivenAnOpenReturn_WhenClosed_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new CloseRma(NewId(), "agent:a"), "rma.illegal_transition");

    [Fact]
    public void GivenAReturn_WhenAnEmptyNoteIsAdded_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new AddRmaNote(NewId(), "agent:a", ""), "note.invalid");

    [Fact]
    public void GivenAReturn_WhenATaskIsAssigned_ThenTheTrailSaysSo() =>
        Then(When(Given(Requested(), Authorization()), new RecordTaskActivity(NewId(), "agent:a", "T-1", "review", TaskActivity.Assigned, "ann")),
            new TaskAssigned("T-1", "review", "ann"));
}
