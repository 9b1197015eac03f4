using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class ReviewDecisions
{
    private static readonly ReturnFlagged Flagged = new("Return value above the limit.", "review");

    [Fact]
    public void GivenAReturnUnderReview_WhenApproved_ThenItsLinesAreAccepted()
    {
        var outcome = When(Given(Requested(), Flagged), new ApproveRma(NewId(), "agent:a", "fine"));

        Then(outcome, new ReturnAuthorized("fine", [new AuthorizedLine("L1", LineAcceptance.Accepted)]));
    }

    [Fact]
    public void GivenAnAuthorizedReturn_WhenApproved_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new ApproveRma(NewId(), "agent:a"), "rma.illegal_transition");

    [Fact]
    public void GivenAReturnUnderReview_WhenDeclined_ThenEveryLineIsRejected()
    {
        var given = Given(Requested(), Flagged);

        Then(When(given, new DeclineRma(NewId(), "agent:a", "outside warranty")), new ReturnDeclined("outside warranty"));
        Assert.All(given.Lines, l => Assert.Equal(LineAcceptance.Rejected, l.Acceptance));
    }

    [Fact]
    public void GivenAReturnUnderReview_WhenDeclinedWithoutAReason_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Flagged), new DeclineRma(NewId(), "agent:a", " "), "reason.required");

    [Fact]
    public void GivenAnAuthorizedReturn_WhenFlagged_ThenItGoesBackToReviewWithATask()
    {
        var outcome = When(Given(Requested(), Authorization()), new FlagRmaForReview(NewId(), "agent:a", "looks odd"));

        Then(outcome, new ReturnFlagged("looks odd", "review"), Task(4, "review", TaskQueues.KindReview, "looks odd"));
    }
}
