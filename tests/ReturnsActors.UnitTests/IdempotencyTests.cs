using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class IdempotencyTests
{
    [Fact]
    public void RepeatedCommandId_IsANoOpThatReturnsTheFirstAnswer()
    {
        var state = Authorized();
        var label = new RecordLabel("cmd-label", "agent:a", "ups", "1Z");
        Ok(state, label);
        var seq = state.LastSeq;

        var again = Do(state, label);

        Assert.True(again.Replayed);
        Assert.Null(again.Rejection);
        Assert.Empty(again.Events);
        Assert.Equal(seq, state.LastSeq);
    }

    [Fact]
    public void RepeatedCreate_WithSameCommandId_IsReplayedNotRefused()
    {
        var (state, _) = Create([Shirts()], commandId: "create-x");

        var again = RmaMachine.Create(state, new CreateRma("create-x", "customer:c-1", "ORD-1", [Shirts()]),
            new CreateRmaContext("demo", "RMA-1", Order(), new Dictionary<string, int>(), Grains.Policies.DefaultPolicy.Document, T0));
        var other = RmaMachine.Create(state, new CreateRma("create-y", "customer:c-1", "ORD-1", [Shirts()]),
            new CreateRmaContext("demo", "RMA-1", Order(), new Dictionary<string, int>(), Grains.Policies.DefaultPolicy.Document, T0));

        Assert.True(again.Replayed);
        Assert.Null(again.Rejection);
        Assert.Equal("rma.exists", other.Rejection?.Code);
    }

    [Fact]
    public void RepeatedRejectedCommand_GetsTheSameRejectionEvenAfterTheStateChanged()
    {
        var state = Dispositioned();
        Ok(state, new PlaceRmaHold(NewId(), "agent:a", "fraud check"));
        var settle = new SettleRma("cmd-settle", "finance:f", SettlementKind.StoreCredit);
        Assert.Equal("rma.on_hold", Do(state, settle).Rejection?.Code);
        Ok(state, new ReleaseRmaHold(NewId(), "agent:a"));

        var again = Do(state, settle);

        Assert.True(again.Replayed);
        Assert.Equal("rma.on_hold", again.Rejection?.Code);
        Assert.Equal(RmaStatus.Dispositioned, state.Status);
    }

    [Fact]
    public void CommandId_ReusedForADifferentCommand_IsConflict()
    {
        var state = Authorized();
        Ok(state, new AddRmaNote("same", "agent:a", "hello"));

        var outcome = Do(state, new RecordLabel("same", "agent:a", "ups", "1Z"));

        Assert.Equal("command.id_reused", outcome.Rejection?.Code);
        Assert.Null(state.Carrier);
    }

    [Fact]
    public void RecentCommands_AreBounded()
    {
        var state = Authorized();
        for (var i = 0; i < RmaMachine.MaxRecentCommands + 20; i++)
        {
            Ok(state, new AddRmaNote($"note-{i}", "agent:a", $"note {i}"));
        }

        Assert.Equal(RmaMachine.MaxRecentCommands, state.RecentCommands.Count);
        Assert.DoesNotContain(state.RecentCommands, r => r.CommandId == "note-0");
        Assert.Contains(state.RecentCommands, r => r.CommandId == $"note-{RmaMachine.MaxRecentCommands + 19}");
    }
}
