using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class AdviceDecisions
{
    private static readonly ReturnFlagged Flagged = new("Return value above the limit.", "review");

    private static readonly RecommendationIssued Recommended = new(AdvisoryActions.Approve, 0.9123, "adv-1", ["low value"], "advisory", null, null);

    [Fact]
    public void GivenAReturnUnderReview_WhenAdviceIsRecorded_ThenItIsOnTheTrailOnly()
    {
        var given = Given(Requested(), Flagged);

        Then(When(given, new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Approve, 0.91234, "adv-1", ["low value"])), Recommended);
        Assert.Equal(RmaStatus.UnderReview, given.Status);
    }

    [Fact]
    public void GivenAReturnUnderReview_WhenAnApprovalIsAutoApplied_ThenItIsAuthorizedInTheSameCommand() =>
        Then(When(Given(Requested(), Flagged),
                new RecordRecommendation(NewId(), "advisor:x", AdvisoryActions.Approve, 0.95, "adv-1", [], RecommendationMode.AutoApplied)),
            new RecommendationIssued(AdvisoryActions.Approve, 0.95, "adv-1", [], "auto_applied", null, null),
            new ReturnAuthorized("advisor recommends approve at confidence 0.95", [new AuthorizedLine("L1", LineAcceptance.Accepted)]));

    [Fact]
    public void GivenNoRecommendation_WhenOverridden_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Flagged), new OverrideRecommendation(NewId(), "agent:a", AdvisoryActions.Approve, AdvisoryActions.Decline),
            "recommendation.none");

    [Fact]
    public void GivenARecommendation_WhenAnOlderOneIsOverridden_ThenItIsRefusedAsStale() =>
        ThenRejected(Given(Requested(), Flagged, Recommended), new OverrideRecommendation(NewId(), "agent:a", AdvisoryActions.Decline, AdvisoryActions.Approve),
            "recommendation.stale");

    [Fact]
    public void GivenARecommendation_WhenAPersonChoosesOtherwise_ThenTheOverrideNamesTheModel() =>
        Then(When(Given(Requested(), Flagged, Recommended),
                new OverrideRecommendation(NewId(), "agent:a", AdvisoryActions.Approve, AdvisoryActions.Decline, "seen this before")),
            new RecommendationOverridden(AdvisoryActions.Approve, AdvisoryActions.Decline, "adv-1", "seen this before"));
}
