using ReturnsActors.Advisory;

namespace ReturnsActors.Advisory.Tests;

/// <summary>Trains the models once for the whole test project.</summary>
public sealed class AdvisorFixture
{
    public const int Seed = 42;

    public ReturnAdvisor Advisor { get; } = ReturnAdvisor.TrainSynthetic(Seed);

    public ReasonTriage Triage { get; } = ReasonTriage.TrainSynthetic(Seed);

    public AdvisoryReport Report { get; } = AdvisoryEvaluation.Evaluate(Seed);

    /// <summary>The artifact a silo would publish for the default seed.</summary>
    public AdvisoryArtifact Artifact { get; } = AdvisoryArtifact.Train(Seed, trainedAt: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
}

[CollectionDefinition(Name)]
public sealed class AdvisorCollection : ICollectionFixture<AdvisorFixture>
{
    public const string Name = "advisor";
}
