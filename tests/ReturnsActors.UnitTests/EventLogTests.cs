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

        await Assert.ThrowsAsync<RmaAppendConflictException>(() =>
            log.AppendAsync("demo/RMA-1", [events[0] with { Actor = "mallory", Hash = "ff" }]));
        var forged = AuditChain.Next(0, AuditChain.GenesisHash, new ReturnsActors.Grains.Rma.Events.NoteAdded("forged"), events[0].OccurredAt, "mallory", "c", 1, []);
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => log.AppendAsync("demo/RMA-1", [forged]));
        Assert.Equal(events[0].Hash, (await log.ReadAsync("demo/RMA-1"))[0].Hash);
    }

    [Fact]
    public async Task Append_MustExtendTheLoggedChain_OrItIsAConflictThatWritesNothing()
    {
        var log = new InMemoryRmaEventLog();
        var events = new List<RmaEvent>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(AuditChain.Next(i, i == 0 ? AuditChain.GenesisHash : events[^1].Hash, new ReturnsActors.Grains.Rma.Events.NoteAdded($"n{i}"),
                DateTimeOffset.UnixEpoch, "agent:a", $"c{i}", 1, []));
        }

        await log.AppendAsync("demo/RMA-1", events.Take(1).ToList());

        // A gap (seq 3 after seq 1), a forged link, a hash that is not the event's: refused, and the log keeps what it had.
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => log.AppendAsync("demo/RMA-1", events.Skip(2).ToList()));
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => log.AppendAsync("demo/RMA-1", [events[1] with { PrevHash = AuditChain.GenesisHash }]));
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => log.AppendAsync("demo/RMA-1", [events[1] with { Actor = "mallory" }]));
        await Assert.ThrowsAsync<RmaAppendConflictException>(() => log.AppendAsync("demo/RMA-2", events.Skip(1).ToList()));
        Assert.Equal([1L], (await log.ReadAsync("demo/RMA-1")).Select(e => e.Seq));
        Assert.Empty(await log.ReadAsync("demo/RMA-2"));

        await log.AppendAsync("demo/RMA-1", events.Skip(1).ToList());
        Assert.Equal(events.Skip(1).Select(e => e.Seq), (await log.ReadTailAsync("demo/RMA-1", 1)).Select(e => e.Seq));
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
