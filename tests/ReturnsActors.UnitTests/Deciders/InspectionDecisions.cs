using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class InspectionDecisions
{
    private static IRmaEventData[] Received => [Requested(), Authorization(), ReceivedInFull(TwoShirts)];

    [Fact]
    public void GivenAReceivedReturn_WhenInspected_ThenTheLineIsGraded() =>
        Then(When(Given(Received), new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.B, "ok")])),
            new ItemInspected("L1", "SKU-TS", ItemGrade.B, "ok", []));

    [Fact]
    public void GivenAnAuthorizedReturn_WhenInspected_ThenItIsRefused() =>
        ThenRejected(Given(Requested(), Authorization()), new RecordInspection(NewId(), "inspector:i", [new InspectedLine("L1", ItemGrade.B)]),
            "rma.illegal_transition");

    [Fact]
    public void GivenAnInspectedReturn_WhenDispositioned_ThenThePolicyDecidesAndTheReturnIsDispositioned()
    {
        var given = Given([.. Received, new ItemInspected("L1", "SKU-TS", ItemGrade.B, null, [])]);

        Then(When(given, new DispositionRma(NewId(), "inspector:i")), new ItemDispositioned("L1", "SKU-TS", ItemGrade.B, Disposition.Restock, RmaStatus.Dispositioned));
        Assert.Equal(RmaStatus.Dispositioned, given.Status);
    }

    [Fact]
    public void GivenADamagedItem_WhenDispositioned_ThenItWaitsForQualityReviewInInspection()
    {
        var given = Given([.. Received, new ItemInspected("L1", "SKU-TS", ItemGrade.D, null, [])]);

        Then(When(given, new DispositionRma(NewId(), "inspector:i")),
            new ItemDispositioned("L1", "SKU-TS", ItemGrade.D, Disposition.QualityReview, RmaStatus.Inspecting),
            Task(6, TaskQueues.QualityReview, TaskQueues.KindQualityReview, "Quality review: line L1 (SKU-TS, grade D)."));
        Assert.Equal(RmaStatus.Inspecting, given.Status);
    }

    [Fact]
    public void GivenAReceivedReturnNotYetInspected_WhenDispositioned_ThenItIsRefused() =>
        ThenRejected(Given(Received), new DispositionRma(NewId(), "inspector:i"), "rma.inspection_incomplete");
}
