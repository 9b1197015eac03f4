using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.ClusterTests;

/// <summary>Recommendations and overrides through the grain: on the hash-chained trail, idempotent by command id, and the
/// last recommendation survives reactivation (stored as JSON) so a later override names its model version.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RecommendationGrainTests(ClusterFixture fixture)
{
    private static string Id() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task ARecommendation_AndAnOverrideAfterReactivation_AreOnTheIntactTrail()
    {
        var rma = fixture.Client.GetGrain<IRmaGrain>($"demo/RMA-{Id()}");
        Assert.Null((await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", fixture.NewOrder(),
            [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)]))).Rejection);
        var record = new RecordRecommendation(Id(), "advisor:adv-9", AdvisoryActions.Approve, 0.93, "adv-9", ["returned within 3 days"]);

        Assert.Null((await rma.RecordRecommendationAsync(record)).Rejection);
        Assert.True((await rma.RecordRecommendationAsync(record)).Replayed);
        await fixture.Cluster.DeactivateAsync(rma);
        Assert.Null((await rma.OverrideRecommendationAsync(new OverrideRecommendation(Id(), "agent:ann", "approve", "store_credit", "asked for credit"))).Rejection);

        var events = await RmaSteps.AssertAuditIntactAsync(rma);
        Assert.Single(events, e => e.Type == "recommendation.issued");
        var overridden = events[^1];
        Assert.Equal("recommendation.overridden", overridden.Type);
        Assert.Equal("agent:ann", overridden.Actor);
        Assert.Contains("\"modelVersion\":\"adv-9\"", overridden.DataJson);
    }
}
