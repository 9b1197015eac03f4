using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class DeadlineTests
{
    private static RmaState UnderReview()
    {
        var (state, _) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);
        return state;
    }

    [Fact]
    public void CheckDeadlines_BeforeWarningTime_DoesNothing()
    {
        var state = UnderReview();

        Assert.Empty(RmaMachine.CheckDeadlines(state, T0.AddHours(19)).Events);
        Assert.Equal(T0.AddHours(24 * 0.8), RmaMachine.NextWake(state));
    }

    [Fact]
    public void CheckDeadlines_At80Percent_RaisesWarningOnce()
    {
        var state = UnderReview();

        var first = RmaMachine.CheckDeadlines(state, T0.AddHours(20));
        var second = RmaMachine.CheckDeadlines(state, T0.AddHours(20.5));

        Assert.Equal(["sla.warning"], first.Events.Types());
        Assert.Empty(second.Events);
        Assert.Equal(T0.AddHours(24), RmaMachine.NextWake(state));
    }

    [Fact]
    public void CheckDeadlines_AfterALostTick_CatchesUpWarningBreachAndEscalation()
    {
        var state = UnderReview();

        var outcome = RmaMachine.CheckDeadlines(state, T0.AddDays(3));
        var again = RmaMachine.CheckDeadlines(state, T0.AddDays(3));

        Assert.Equal(["sla.warning", "sla.breached", "task.created"], outcome.Events.Types());
        Assert.Contains("\"queue\":\"escalations\"", outcome.Events[2].DataJson);
        Assert.Contains("\"kind\":\"sla_breach\"", outcome.Events[2].DataJson);
        Assert.All(outcome.Events, e => Assert.Equal(RmaMachine.SystemActor, e.Actor));
        Assert.Empty(again.Events);
        Assert.Null(RmaMachine.NextWake(state));
        Assert.Equal(RmaStatus.UnderReview, state.Status);
    }

    [Fact]
    public void CompletedStage_NeverWarns()
    {
        var state = UnderReview();
        Ok(state, new ApproveRma(NewId(), "agent:a"), T0.AddHours(2));

        var outcome = RmaMachine.CheckDeadlines(state, T0.AddHours(30));

        Assert.DoesNotContain(outcome.Events, e => e.DataJson.Contains("\"stage\":\"authorize\""));
    }

    [Fact]
    public void ShipByDeadlinePassing_WithNothingShipped_ExpiresTheReturn()
    {
        var state = Authorized();

        var outcome = RmaMachine.CheckDeadlines(state, T0.AddDays(15));

        Assert.Equal(["sla.warning", "sla.breached", "return.expired"], outcome.Events.Types());
        Assert.Equal(RmaStatus.Expired, state.Status);
        Assert.Contains("sla.ship.expire", outcome.Events[2].RuleIds);
        Assert.Contains("\"reason\":\"ship_by_passed\"", outcome.Events[2].DataJson);
    }
}
