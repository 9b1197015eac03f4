using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class EligibilityDecisions
{
    private static readonly RequestedLine Television = new("4", 1, "broken", ReasonClass.Defect, ["SN-TV-1"]);

    [Fact]
    public void GivenNothing_WhenALowValueReturnIsRequested_ThenItIsRequestedAndAuthorizedAtOnce()
    {
        var (_, outcome) = Create([Shirts()]);

        Then(outcome, Requested(), Authorization());
    }

    [Fact]
    public void GivenNothing_WhenAReturnAboveTheAutoApproveLimitIsRequested_ThenItGoesToReviewWithATask()
    {
        var (_, outcome) = Create([Television]);

        const string reason = "Return value 1500.00 EUR is above the auto-approve limit.";
        Then(outcome,
            Requested(null, new ReturnRequestedLine("L1", "4", "SKU-TV", "electronics", 1, ["SN-TV-1"], new Money(1500m, "EUR"), "broken", ReasonClass.Defect)),
            new ReturnFlagged(reason, "review"),
            Task(3, "review", TaskQueues.KindReview, reason));
    }

    [Fact]
    public void GivenNothing_WhenAReturnWithAFraudSignalIsRequested_ThenItIsHeldAndStillAuthorizedWithinTheLimit()
    {
        var (_, outcome) = Create([Shirts()], fraudSignal: true);

        Then(outcome,
            Requested() with { FraudSignal = true },
            new ReturnHoldPlaced(RmaMachine.HoldFraudCheck),
            Authorization(),
            Task(4, "fraud", TaskQueues.KindFraud, RmaMachine.HoldFraudCheck));
    }

    [Fact]
    public void GivenNothing_WhenTheCategoryIsNotReturnable_ThenItIsRefused_AndNothingExists()
    {
        var (state, outcome) = Create([new RequestedLine("3", 1, "unwanted", ReasonClass.Convenience)]);

        Assert.Equal("rma.ineligible", outcome.Rejection?.Code);
        Assert.Empty(outcome.Events);
        Assert.Equal(FoldPropertyTests.DomainJson(new RmaState()), FoldPropertyTests.DomainJson(state));
    }

    [Fact]
    public void GivenAnOpenReturn_WhenItIsRequestedAgainWithAnotherCommandId_ThenItIsRefusedAsExisting()
    {
        var given = Given(Requested(), Authorization());
        var before = FoldPropertyTests.DomainJson(given);

        var outcome = RmaMachine.Create(given, new CreateRma("create-2", "customer:c-1", "ORD-1", [Shirts()]),
            new CreateRmaContext("demo", RmaId, Order(), new Dictionary<string, int>(), DefaultPolicy.Document, T0));

        Assert.Equal("rma.exists", outcome.Rejection?.Code);
        Assert.Equal(before, FoldPropertyTests.DomainJson(given));
    }
}
