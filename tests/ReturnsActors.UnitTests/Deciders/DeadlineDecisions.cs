using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class DeadlineDecisions
{
    private static readonly DateTimeOffset ShipBy = T0.AddDays(14);
    private static readonly DateTimeOffset WarnAt = T0.AddHours(14 * 24 * 0.8);

    [Fact]
    public void GivenAnAuthorizedReturn_WhenTheShipByWarningTimePasses_ThenItWarnsOnce()
    {
        var given = Given(Requested(), Authorization());

        Then(RmaMachine.CheckDeadlines(given, T0.AddDays(12)), new SlaWarning(RmaMachine.StageShip, ShipBy, WarnAt));
        Then(RmaMachine.CheckDeadlines(given, T0.AddDays(12)));
    }

    [Fact]
    public void GivenAWarnedReturn_WhenTheShipByDatePasses_ThenItBreachesAndExpires()
    {
        var given = Given(Requested(), Authorization(), new SlaWarning(RmaMachine.StageShip, ShipBy, WarnAt));

        Then(RmaMachine.CheckDeadlines(given, T0.AddDays(15)),
            new SlaBreached(RmaMachine.StageShip, ShipBy),
            new ReturnExpired("ship_by_passed", ShipBy));
        Assert.Equal(RmaStatus.Expired, given.Status);
        Assert.Null(RmaMachine.NextWake(given));
    }

    [Fact]
    public void GivenAPolicyThatDoesNotExpire_WhenTheShipByDatePasses_ThenTheBreachIsEscalated()
    {
        var given = Given(Requested(DefaultPolicy.Document with { Version = 2, ExpireWhenShipByPasses = false }), Authorization());

        var outcome = RmaMachine.CheckDeadlines(given, T0.AddDays(15));

        Then(outcome,
            new SlaWarning(RmaMachine.StageShip, ShipBy, WarnAt),
            new SlaBreached(RmaMachine.StageShip, ShipBy),
            Task(5, "escalations", TaskQueues.KindSlaBreach, $"SLA for stage 'ship' breached (due {ShipBy:O})."));
        Assert.All(outcome.Events, e => Assert.Equal(2, e.PolicyVersion));
    }
}
