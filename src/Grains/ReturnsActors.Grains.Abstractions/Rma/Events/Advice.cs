namespace ReturnsActors.Grains.Rma.Events;

/// <summary><c>recommendation.issued</c>: an advisory recommendation; <paramref name="Mode"/> is <c>advisory</c> or <c>auto_applied</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.RecommendationIssued")]
public sealed record RecommendationIssued(
    [property: Id(0)] string Action,
    [property: Id(1)] double Confidence,
    [property: Id(2)] string ModelVersion,
    [property: Id(3)] IReadOnlyList<string> Reasons,
    [property: Id(4)] string Mode,
    [property: Id(5)] string? Why,
    [property: Id(6)] long? TriggerSeq) : IRmaEventData
{
    public const string WireName = "recommendation.issued";
}

/// <summary><c>recommendation.overridden</c>: a person chose another action than the last recommendation.</summary>
[GenerateSerializer, Immutable, Alias("ra.ev.RecommendationOverridden")]
public sealed record RecommendationOverridden(
    [property: Id(0)] string RecommendedAction,
    [property: Id(1)] string ChosenAction,
    [property: Id(2)] string? ModelVersion,
    [property: Id(3)] string? Note) : IRmaEventData
{
    public const string WireName = "recommendation.overridden";
}
