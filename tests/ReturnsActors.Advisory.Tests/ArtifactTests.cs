using ReturnsActors.Advisory;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory.Tests;

/// <summary>The stored form of the models: what a silo loads must behave exactly like what was trained.</summary>
[Collection(AdvisorCollection.Name)]
public sealed class ArtifactTests(AdvisorFixture fixture)
{
    [Fact]
    public void SavedArtifact_LoadedIntoAFreshObject_HasTheSameVersion_ManifestAndPredictions()
    {
        var trained = fixture.Artifact;

        var loaded = AdvisoryArtifact.FromBytes(trained.ToBytes());

        Assert.Equal(trained.Version, loaded.Version);
        Assert.Equal(trained.ManifestJson, loaded.ManifestJson);
        var split = AdvisoryEvaluation.Split(trained.Manifest.Seed, trained.Manifest.Rows, trained.Manifest.Phrases);
        foreach (var row in split.Test.Take(200))
        {
            Assert.Equal(trained.Advisor.Probabilities(row.Features), loaded.Advisor.Probabilities(row.Features));
            var recommendation = loaded.Advisor.Recommend(row.Features);
            Assert.Equal(trained.Advisor.Recommend(row.Features).Reasons, recommendation.Reasons);
            Assert.Equal(trained.Version, recommendation.ModelVersion);
        }

        foreach (var phrase in split.TestPhrases.Take(100))
        {
            Assert.Equal(trained.Triage.Triage(phrase.Text), loaded.Triage.Triage(phrase.Text));
        }
    }

    [Fact]
    public void Manifest_RecordsHowItWasMade_AndItsHoldOutMetrics_AboveTheFloors()
    {
        var manifest = fixture.Artifact.Manifest;

        Assert.Equal(SyntheticReturns.GeneratorVersion, manifest.GeneratorVersion);
        Assert.Equal((AdvisorFixture.Seed, 5000, 1500), (manifest.Seed, manifest.Rows, manifest.Phrases));
        Assert.Equal(new AdvisorTrainingOptions().Describe(), manifest.TrainerOptions);
        Assert.Equal(4000, manifest.Recommendation.TrainRows);
        Assert.Equal(1000, manifest.Recommendation.TestRows);
        Assert.True(manifest.Recommendation.Accuracy >= 0.90, $"accuracy {manifest.Recommendation.Accuracy}");
        Assert.True(manifest.Recommendation.MacroF1 >= 0.85, $"macro-F1 {manifest.Recommendation.MacroF1}");
        Assert.True(manifest.Recommendation.ExpectedCalibrationError <= 0.08);
        Assert.True(manifest.Triage.Accuracy >= 0.90 && manifest.Triage.MacroF1 >= 0.90, $"triage {manifest.Triage.Accuracy}/{manifest.Triage.MacroF1}");
    }

    [Fact]
    public void EvaluatingALoadedArtifact_GivesTheManifestsNumbers_AsTheSameJsonEveryTime()
    {
        var loaded = AdvisoryArtifact.FromBytes(fixture.Artifact.ToBytes());

        var first = AdvisoryEvaluation.ToJson(loaded.Evaluate());
        var second = AdvisoryEvaluation.ToJson(AdvisoryArtifact.FromBytes(fixture.Artifact.ToBytes()).Evaluate());

        Assert.Equal(first, second);
        Assert.Equal(AdvisoryEvaluation.ToJson(fixture.Artifact.Manifest.Recommendation), AdvisoryEvaluation.ToJson(loaded.Evaluate().Recommendation));
        Assert.Equal(AdvisoryEvaluation.ToJson(fixture.Artifact.Manifest.Triage), AdvisoryEvaluation.ToJson(loaded.Evaluate().Triage));
    }

    [Fact]
    public void SameInputs_GiveTheSameVersion_AndAnotherSeedAnother()
    {
        var again = AdvisoryArtifact.Train(AdvisorFixture.Seed, rows: 600, phrases: 120);
        var same = AdvisoryArtifact.Train(AdvisorFixture.Seed, rows: 600, phrases: 120);
        var other = AdvisoryArtifact.Train(AdvisorFixture.Seed + 1, rows: 600, phrases: 120);

        Assert.Equal(again.Version, same.Version);
        Assert.NotEqual(again.Version, other.Version);
        Assert.NotEqual(fixture.Artifact.Version, again.Version);
        var sample = new ReturnFeatures(ReasonClass.Defect, 0.1, 2, CustomerTier.Gold, 250m, 40, 6, SalesChannel.Store);
        Assert.Equal(again.Advisor.Probabilities(sample), same.Advisor.Probabilities(sample));
    }

    [Fact]
    public void ATamperedOrTruncatedArtifact_IsRefused()
    {
        var bytes = fixture.Artifact.ToBytes();

        Assert.ThrowsAny<InvalidDataException>(() => AdvisoryArtifact.FromBytes(bytes[..(bytes.Length / 2)]));
        Assert.ThrowsAny<InvalidDataException>(() => AdvisoryArtifact.FromBytes([1, 2, 3]));
    }
}
