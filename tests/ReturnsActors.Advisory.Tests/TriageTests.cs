using ReturnsActors.Advisory;

namespace ReturnsActors.Advisory.Tests;

[Collection(AdvisorCollection.Name)]
public sealed class TriageTests(AdvisorFixture fixture)
{
    [Theory]
    [InlineData("The parcel came crushed and the vase inside was smashed", TriageClass.TransitDamage)]
    [InlineData("I changed my mind, I no longer need it", TriageClass.Convenience)]
    [InlineData("You sent me the wrong size", TriageClass.WrongItem)]
    [InlineData("It stopped working after eight months and it is still under warranty", TriageClass.Warranty)]
    [InlineData("Dead on arrival, faulty out of the box", TriageClass.Defect)]
    [InlineData("The box was empty, refund to a different card", TriageClass.FraudSignal)]
    public void ClearPhrases_AreTriagedIntoTheirClass(string text, TriageClass expected)
    {
        var result = fixture.Triage.Triage(text);

        Assert.Equal(expected, result.Class);
        Assert.InRange(result.Confidence, 0.4, 1.0);
    }

    [Fact]
    public void FraudSignal_HasNoReasonClass_OthersMapToOne()
    {
        Assert.Null(fixture.Triage.Triage("send the refund to my other account").ReasonClass);
        Assert.Equal(Grains.Rma.ReasonClass.Defect, fixture.Triage.Triage("dead on arrival").ReasonClass);
    }

    [Fact]
    public void HoldOut_TriageAccuracy_IsAboveItsFloor()
    {
        Assert.True(fixture.Report.Triage.Accuracy >= 0.90, $"triage accuracy {fixture.Report.Triage.Accuracy}");
        Assert.True(fixture.Report.Triage.MacroF1 >= 0.90, $"triage macro-F1 {fixture.Report.Triage.MacroF1}");
    }
}
