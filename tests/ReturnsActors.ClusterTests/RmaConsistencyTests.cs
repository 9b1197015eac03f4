using System.Text.Json;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.ClusterTests.RmaSteps;

namespace ReturnsActors.ClusterTests;

/// <summary>Concurrent commands, deactivation and the deadline catch-up leave one consistent, durable return.</summary>
[Collection(ClusterCollection.Name)]
public class RmaConsistencyTests(ClusterFixture fixture)
{
    private IRmaGrain NewRma() => fixture.Client.GetGrain<IRmaGrain>($"demo/RMA-{Id()}");

    [Fact]
    public async Task FiftyConcurrentCommands_WithDuplicates_RaiseOneEventPerCommandId_AndSurviveDeactivation()
    {
        var orderId = fixture.NewOrder();
        var rma = NewRma();
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)])));
        var before = (await rma.GetEventsAsync()).Count;
        var notes = Enumerable.Range(0, 50).Select(i => new AddRmaNote($"note-{Id()}", "agent:a", $"note {i}")).ToList();
        var duplicates = notes.Where((_, i) => i % 10 == 0).ToList();

        var results = await Task.WhenAll(notes.Concat(duplicates).Select(n => rma.AddNoteAsync(n)));

        Assert.All(results, r => Assert.Null(r.Rejection));
        Assert.Equal(duplicates.Count, results.Count(r => r.Replayed));
        var events = await AssertAuditIntactAsync(rma);
        var noteEvents = events.Where(e => e.Type == "note.added").ToList();
        Assert.Equal(notes.Count, noteEvents.Count);
        Assert.Equal(notes.Select(n => n.CommandId).Order(), noteEvents.Select(e => e.CommandId).Order());
        Assert.Equal(before + notes.Count, events.Count);

        var viewBefore = JsonSerializer.Serialize(await rma.GetAsync());
        await fixture.Cluster.DeactivateAsync(rma);

        Assert.Equal(viewBefore, JsonSerializer.Serialize(await rma.GetAsync()));
        Assert.Equal(events.Select(e => e.Hash), (await AssertAuditIntactAsync(rma)).Select(e => e.Hash));
        Assert.True((await rma.AddNoteAsync(duplicates[0])).Replayed);
    }

    [Fact]
    public async Task State_AfterDeactivationMidway_ReadsBackTheSame_AndTheReturnCarriesOn()
    {
        var orderId = fixture.NewOrder();
        var rma = NewRma();
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)])));
        await ReceiveAndDispositionAsync(rma, 2);
        Ok(await rma.PlaceHoldAsync(new PlaceRmaHold(Id(), "agent:a", "chargeback pending")));
        var viewBefore = JsonSerializer.Serialize(await rma.GetAsync());
        var hashesBefore = (await rma.GetEventsAsync()).Select(e => e.Hash).ToList();

        await fixture.Cluster.DeactivateAsync(rma);

        Assert.Equal(viewBefore, JsonSerializer.Serialize(await rma.GetAsync()));
        Assert.Equal(hashesBefore, (await rma.GetEventsAsync()).Select(e => e.Hash));
        Assert.Equal("rma.on_hold", (await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit))).Rejection?.Code);
        Ok(await rma.ReleaseHoldAsync(new ReleaseRmaHold(Id(), "agent:a")));
        Assert.Equal(RmaStatus.PendingSettlement, Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit))).Status);
        await AssertAuditIntactAsync(rma);
    }

    [Fact]
    public async Task GrainTimer_WhileActive_CatchesUpAtTheDeadline_AndTheReminderTickForTheSameMomentAddsNothing()
    {
        var orderId = fixture.NewOrder();
        var rma = NewRma();
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        var authorize = Assert.Single(created.Deadlines, d => d.Stage == RmaMachine.StageAuthorize);
        var warnAt = authorize.StartedAt + (authorize.DueAt - authorize.StartedAt) * 0.8;

        // Within the reminder period of the warning: the grain arms a timer on the next call.
        fixture.Time.SetUtcNow(warnAt.AddMinutes(-30));
        await rma.CheckDeadlinesAsync();
        fixture.Time.SetUtcNow(warnAt.AddMinutes(1));

        var warnings = await WaitForAsync(rma, "sla.warning");
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromHours(1), DateTime.UtcNow);
        await fixture.Client.GetGrain<IRemindable>(rma.GetGrainId()).ReceiveReminder("rma-deadlines", tick);
        await rma.CheckDeadlinesAsync();

        Assert.Equal(1, warnings);
        var events = await AssertAuditIntactAsync(rma);
        Assert.Single(events, e => e.Type == "sla.warning");
        Assert.Equal(RmaMachine.SystemActor, events.Single(e => e.Type == "sla.warning").Actor);
    }

    /// <summary>Polls the return (without calling the catch-up) until an event of the type appears; returns how many there are.</summary>
    private static async Task<int> WaitForAsync(IRmaGrain rma, string type)
    {
        for (var i = 0; i < 100; i++)
        {
            var count = (await rma.GetEventsAsync()).Count(e => e.Type == type);
            if (count > 0)
            {
                return count;
            }

            await Task.Delay(50);
        }

        return 0;
    }
}
