using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class EventLogTests
{
    [Fact]
    public async Task Append_IsIdempotentBySeq()
    {
        var log = new InMemoryRmaEventLog();
        var events = Authorized().Events;

        await log.AppendAsync("demo/RMA-1", events);
        await log.AppendAsync("demo/RMA-1", events);
        await log.AppendAsync("demo/RMA-1", [events[^1]]);

        Assert.Equal(events.Select(e => e.Seq), (await log.ReadAsync("demo/RMA-1")).Select(e => e.Seq));
        Assert.Empty(await log.ReadAsync("demo/RMA-2"));
    }

    [Fact]
    public async Task Append_OfADifferentEventUnderAKnownSeq_IsRefused()
    {
        var log = new InMemoryRmaEventLog();
        var events = Authorized().Events;
        await log.AppendAsync("demo/RMA-1", events);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            log.AppendAsync("demo/RMA-1", [events[0] with { Actor = "mallory", Hash = "ff" }]));
        Assert.Equal(events[0].Hash, (await log.ReadAsync("demo/RMA-1"))[0].Hash);
    }

    [Fact]
    public void TaskActivity_IsRecordedOnTheTrail()
    {
        var state = Authorized();

        var outcome = Ok(state, new RecordTaskActivity("task:t1:completed", "agent:a", "t1", "review", TaskActivity.Completed, "approve"));

        Assert.Equal("task.completed", Assert.Single(outcome.Events).Type);
        Assert.Contains("\"taskId\":\"t1\"", outcome.Events[0].DataJson);
    }
}
