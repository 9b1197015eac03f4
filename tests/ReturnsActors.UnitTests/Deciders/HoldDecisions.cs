using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class HoldDecisions
{
    private static readonly ReturnHoldPlaced Held = new("pending_approval");

    [Fact]
    public void GivenAnAuthorizedReturn_WhenHeld_ThenTheHoldIsPlaced() =>
        Then(When(Given(Requested(), Authorization()), new PlaceRmaHold(NewId(), "agent:a", "pending_approval")), Held);

    [Fact]
    public void GivenAHeldReturn_WhenHeldAgain_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization(), Held), new PlaceRmaHold(NewId(), "agent:a", "other"), "rma.on_hold");

    [Fact]
    public void GivenADeclinedReturn_WhenHeld_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), new ReturnDeclined("no")), new PlaceRmaHold(NewId(), "agent:a", "x"), "rma.illegal_transition");

    [Fact]
    public void GivenAHeldReturn_WhenReleased_ThenTheReleaseNamesTheHold()
    {
        var given = Given(Requested(), Authorization(), Held);

        Then(When(given, new ReleaseRmaHold(NewId(), "finance:f", "approved by finance")), new ReturnHoldReleased("pending_approval", "approved by finance"));
        Assert.False(given.OnHold);
        Assert.Null(given.HoldReason);
    }

    [Fact]
    public void GivenAReturnNotOnHold_WhenReleased_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new ReleaseRmaHold(NewId(), "agent:a"), "rma.not_on_hold");
}
