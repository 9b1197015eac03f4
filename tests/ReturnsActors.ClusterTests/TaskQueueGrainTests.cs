using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.ClusterTests;

[Collection(ClusterCollection.Name)]
public class TaskQueueGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Stats_ReportDepthAndOldestAge_AndCreateIsIdempotent()
    {
        var queue = fixture.Client.GetGrain<ITaskQueueGrain>($"t-{Guid.NewGuid():N}/inspection_exception");
        var start = fixture.Time.GetUtcNow();
        await queue.CreateAsync(new CreateHumanTask("t1", TaskQueues.KindSerialMismatch, "RMA-X", "serials differ", start));
        await queue.CreateAsync(new CreateHumanTask("t1", TaskQueues.KindSerialMismatch, "RMA-X", "serials differ", start));
        await queue.CreateAsync(new CreateHumanTask("t2", TaskQueues.KindWrongItem, "RMA-Y", "wrong item", start.AddMinutes(30)));
        fixture.Time.Advance(TimeSpan.FromHours(2));

        var stats = await queue.GetStatsAsync();
        Assert.Equal(2, stats.Depth);
        Assert.Equal(TimeSpan.FromHours(2), stats.OldestAge);

        Assert.Equal(RejectionKindOf(await queue.CompleteAsync("t1", "", "agent:a")), Grains.RejectionKind.Invalid);
        var done = await queue.CompleteAsync("t1", "restocked after serial check", "agent:a");
        Assert.Equal(HumanTaskStatus.Completed, done.Task!.Status);
        Assert.Equal(Grains.RejectionKind.NotFound, RejectionKindOf(await queue.ClaimAsync("nope", "agent:a")));

        stats = await queue.GetStatsAsync();
        Assert.Equal(1, stats.Depth);
        Assert.Equal(TimeSpan.FromMinutes(90), stats.OldestAge);
        Assert.Equal(["t2"], (await queue.ListAsync(HumanTaskStatus.Open)).Select(t => t.TaskId));
    }

    [Fact]
    public async Task ReviewTask_RejectsAnOutcomeThatIsNotADecision()
    {
        var queue = fixture.Client.GetGrain<ITaskQueueGrain>($"t-{Guid.NewGuid():N}/review");
        await queue.CreateAsync(new CreateHumanTask("r1", TaskQueues.KindReview, "RMA-Z", "value above limit", fixture.Time.GetUtcNow()));

        var result = await queue.CompleteAsync("r1", "maybe", "agent:a");

        Assert.Equal("task.outcome", result.Rejection?.Code);
        Assert.Equal(HumanTaskStatus.Open, (await queue.GetAsync("r1"))!.Status);
    }

    private static Grains.RejectionKind? RejectionKindOf(HumanTaskResult result) => result.Rejection?.Kind;
}
