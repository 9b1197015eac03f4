using ReturnsActors.Advisory;
using ReturnsActors.Grains.Rma;
using Xunit.Abstractions;

namespace ReturnsActors.Advisory.Tests;

[Collection(AdvisorCollection.Name)]
public sealed class RecommendationTests(AdvisorFixture fixture, ITestOutputHelper output)
{
    private static readonly ReturnFeatures Ordinary = new(
        ReasonClass.Convenience, SkuFamilyDefectRate: 0.02, PriorReturns: 1, CustomerTier.Standard,
        OrderValue: 120m, DaysSinceDelivery: 10, WarrantyMonthsLeft: 12, SalesChannel.Web);

    [Fact]
    public void Generator_WithSameSeed_GivesSameRows_AndADifferentSeedDoesNot()
    {
        Assert.Equal(SyntheticReturns.Generate(7, 200), SyntheticReturns.Generate(7, 200));
        Assert.NotEqual(SyntheticReturns.Generate(7, 200), SyntheticReturns.Generate(8, 200));
    }

    [Fact]
    public void HoldOut_AccuracyAndMacroF1_AreAboveTheirFloors()
    {
        var metrics = fixture.Report.Recommendation;
        Assert.Equal(1000, metrics.TestRows);
        Assert.True(metrics.Accuracy >= 0.90, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.MacroF1 >= 0.85, $"macro-F1 {metrics.MacroF1}");
        Assert.True(metrics.ExpectedCalibrationError <= 0.08, $"ECE {metrics.ExpectedCalibrationError}");
        Assert.Equal(metrics.TestRows, metrics.Calibration.Sum(b => b.Count));
    }

    [Fact]
    public void Ordinary_ConvenienceReturn_IsApproved()
    {
        Assert.Equal(AdvisoryAction.Approve, fixture.Advisor.Recommend(Ordinary).Action);
    }

    [Fact]
    public void ManyPriorReturns_OnAnExpensiveConvenienceReturn_MoveTowardManualReview_AndAreNamed()
    {
        var before = fixture.Advisor.Probabilities(Ordinary)[(int)AdvisoryAction.ManualReview];
        var risky = Ordinary with { PriorReturns = 6, OrderValue = 800m };

        var recommendation = fixture.Advisor.Recommend(risky);

        output.WriteLine(string.Join(" | ", recommendation.Reasons.Select(r => r.Text)));
        Assert.Equal(AdvisoryAction.ManualReview, recommendation.Action);
        Assert.True(recommendation.Confidence > before);
        Assert.Contains(recommendation.Reasons, r => r.Feature == AdvisoryFeature.PriorReturns);
        Assert.Contains(recommendation.Reasons, r => r.Text.Contains("prior returns 6", StringComparison.Ordinal));
    }

    [Fact]
    public void Defect_WithWarrantyLeft_IsReplaced_BecauseOfTheWarranty_AndWithoutIt_IsDeclined()
    {
        var defect = Ordinary with { Reason = ReasonClass.Defect, DaysSinceDelivery = 200, WarrantyMonthsLeft = 5 };

        var covered = fixture.Advisor.Recommend(defect);
        var expired = fixture.Advisor.Recommend(defect with { WarrantyMonthsLeft = 0 });

        output.WriteLine(string.Join(" | ", covered.Reasons.Select(r => r.Text)));
        Assert.Equal(AdvisoryAction.Replace, covered.Action);
        Assert.Contains(covered.Reasons, r => r.Feature == AdvisoryFeature.WarrantyMonthsLeft);
        Assert.Equal(AdvisoryAction.Decline, expired.Action);
    }

    [Fact]
    public void SavedModel_LoadsWithTheSameVersion_AndRecommendsTheSame()
    {
        using var stream = new MemoryStream();
        fixture.Advisor.Save(stream);
        stream.Position = 0;

        var loaded = ReturnAdvisor.Load(stream);

        Assert.Equal(fixture.Advisor.ModelVersion, loaded.ModelVersion);
        var risky = Ordinary with { PriorReturns = 9 };
        Assert.Equal(fixture.Advisor.Recommend(risky), loaded.Recommend(risky), RecommendationComparer.Instance);
    }

    [Fact]
    public void ModelVersion_DependsOnSeedAndOptions_Only()
    {
        var options = new AdvisorTrainingOptions();
        Assert.StartsWith("adv-", fixture.Advisor.ModelVersion, StringComparison.Ordinal);
        Assert.Equal(ReturnAdvisor.VersionOf("d:1", options), ReturnAdvisor.VersionOf("d:1", options));
        Assert.NotEqual(ReturnAdvisor.VersionOf("d:1", options), ReturnAdvisor.VersionOf("d:2", options));
        Assert.NotEqual(ReturnAdvisor.VersionOf("d:1", options), ReturnAdvisor.VersionOf("d:1", options with { Leaves = 8 }));
    }

    [Fact]
    public void Evaluation_IsReproducible_AndWritesJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"advisory-{Guid.NewGuid():N}.json");
        try
        {
            AdvisoryEvaluation.WriteJson(fixture.Report, path);
            output.WriteLine(AdvisoryEvaluation.ToJson(fixture.Report));
            var json = File.ReadAllText(path);
            Assert.Contains("\"macroF1\"", json, StringComparison.Ordinal);
            Assert.Contains(fixture.Report.ModelVersion, json, StringComparison.Ordinal);
            Assert.Equal(AdvisoryEvaluation.ToJson(fixture.Report), AdvisoryEvaluation.ToJson(AdvisoryEvaluation.Evaluate(AdvisorFixture.Seed)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class RecommendationComparer : IEqualityComparer<Recommendation>
    {
        public static readonly RecommendationComparer Instance = new();

        public bool Equals(Recommendation? x, Recommendation? y) =>
            x is not null && y is not null && x.Action == y.Action && x.Confidence == y.Confidence
            && x.ModelVersion == y.ModelVersion && x.Reasons.SequenceEqual(y.Reasons);

        public int GetHashCode(Recommendation obj) => obj.Action.GetHashCode();
    }
}
