using Microsoft.Extensions.DependencyInjection;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.ClusterTests;

[Collection(ClusterCollection.Name)]
public class RmaGrainTests(ClusterFixture fixture)
{
    private static string Id() => Guid.NewGuid().ToString("N");

    private IRmaGrain Rma(string rmaId, string tenant = "demo") => fixture.Client.GetGrain<IRmaGrain>($"{tenant}/{rmaId}");

    private static RmaView Ok(RmaResult result)
    {
        Assert.True(result.Rejection is null, $"refused: {result.Rejection?.Code} {result.Rejection?.Detail}");
        return result.Rma!;
    }

    [Fact]
    public async Task FullLifecycle_FromRequestToClosed_IsDurableAndAudited()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);

        var view = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "too_small", ReasonClass.Convenience)])));
        Assert.Equal(RmaStatus.Authorized, view.Status);
        Ok(await rma.RecordLabelAsync(new RecordLabel(Id(), "agent:a", "ups", "1Z999")));
        Assert.Equal(RmaStatus.InTransit, Ok(await rma.RecordCarrierEventAsync(new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.InTransit))).Status);
        Assert.Equal(RmaStatus.Delivered, Ok(await rma.RecordCarrierEventAsync(new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.Delivered))).Status);
        Assert.Equal(RmaStatus.Received, Ok(await rma.RecordReceiptAsync(new RecordReceipt(Id(), "warehouse:w1", [new ReceivedLine("L1", 2)]))).Status);
        Assert.Equal(RmaStatus.Inspecting, Ok(await rma.RecordInspectionAsync(new RecordInspection(Id(), "inspector:i", [new InspectedLine("L1", ItemGrade.A, "as new")]))).Status);
        var dispositioned = Ok(await rma.DispositionAsync(new DispositionRma(Id(), "inspector:i")));
        Assert.Equal(Disposition.Restock, dispositioned.Lines[0].Disposition);
        var pending = Ok(await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.RefundOriginalPayment)));
        Assert.Equal(new Money(35.91m, "EUR"), pending.SettlementTotal); // 39.90 less 10 % restocking fee (3.99)
        Assert.Equal(RmaStatus.Resolved, Ok(await rma.ConfirmSettlementAsync(new ConfirmSettlement(Id(), "erp", "RF-1"))).Status);
        Assert.Equal(RmaStatus.Closed, Ok(await rma.CloseAsync(new CloseRma(Id(), "agent:a"))).Status);

        await fixture.Cluster.DeactivateAsync(rma);
        var reloaded = await rma.GetAsync();
        Assert.Equal(RmaStatus.Closed, reloaded!.Status);
        Assert.Equal("RF-1", reloaded.SettlementReference);
        var events = await RmaSteps.AssertAuditIntactAsync(rma);
        Assert.Equal("return.closed", events[^1].Type);
        Assert.Null(await ReminderAsync(rma)); // no open deadline, no reminder
    }

    [Fact]
    public async Task Cancel_AfterReactivation_RemovesTheDeadlineReminder()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)])));
        Assert.NotNull(await ReminderAsync(rma));
        await fixture.Cluster.DeactivateAsync(rma);

        Ok(await rma.CancelAsync(new CancelRma(Id(), "customer:c-1", CancelledBy.Customer)));

        Assert.Null(await ReminderAsync(rma));
    }

    [Fact]
    public async Task LongHistory_IsTrimmedInStateButKeptInTheLog_AndStillVerifies()
    {
        var orderId = fixture.NewOrder();
        var key = $"demo/RMA-{Id()}";
        var rma = fixture.Client.GetGrain<IRmaGrain>(key);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)])));
        for (var i = 0; i < RmaGrain.MaxEventsInState + 5; i++)
        {
            Ok(await rma.AddNoteAsync(new AddRmaNote(Id(), "agent:a", $"note {i}")));
        }

        await fixture.Cluster.DeactivateAsync(rma);
        var inState = await rma.GetEventsAsync();
        var verification = await rma.VerifyAsync();

        Assert.Equal(RmaGrain.MaxEventsInState, inState.Count);
        Assert.Equal(RmaGrain.MaxEventsInState + 7, (await fixture.EventLog.ReadAsync(key)).Count);
        Assert.True(verification.Valid);
        Assert.Equal(8, verification.CheckedFromSeq);
        Assert.Equal(RmaGrain.MaxEventsInState + 7, verification.CheckedThroughSeq);
    }

    [Fact]
    public async Task RepeatedCommandIds_AreReplayedWithoutNewEvents()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        var create = new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)]);
        var label = new RecordLabel(Id(), "agent:a", "ups", "1Z");

        var first = Ok(await rma.CreateAsync(create));
        var replayedCreate = await rma.CreateAsync(create);
        Ok(await rma.RecordLabelAsync(label));
        var replayedLabel = await rma.RecordLabelAsync(label);
        await fixture.Cluster.DeactivateAsync(rma);
        var afterReload = await rma.RecordLabelAsync(label);

        Assert.True(replayedCreate.Replayed);
        Assert.Equal(first.RmaId, replayedCreate.Rma!.RmaId);
        Assert.True(replayedLabel.Replayed);
        Assert.True(afterReload.Replayed);
        Assert.Equal(3, (await rma.GetEventsAsync()).Count); // requested, authorized, label.created
    }

    [Fact]
    public async Task Outbox_IsDrainedToTheEventLog_AndAFailedDrainIsRepairedOnNextActivation()
    {
        var orderId = fixture.NewOrder();
        var key = $"demo/RMA-{Id()}";
        var rma = fixture.Client.GetGrain<IRmaGrain>(key);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));

        var logged = await fixture.EventLog.ReadAsync(key);
        Assert.Equal((await rma.GetEventsAsync()).Select(e => e.Hash), logged.Select(e => e.Hash));

        fixture.EventLog.Fail = true;
        try
        {
            // The command still succeeds: state and outbox were written together; only the drain failed.
            Ok(await rma.RecordLabelAsync(new RecordLabel(Id(), "agent:a", "ups", "1Z")));
            Assert.Equal(2, (await fixture.EventLog.ReadAsync(key)).Count);
            await fixture.Cluster.DeactivateAsync(rma);
        }
        finally
        {
            fixture.EventLog.Fail = false;
        }

        var view = await rma.GetAsync();
        Assert.Equal(RmaStatus.AwaitingShipment, view!.Status);
        var repaired = await fixture.EventLog.ReadAsync(key);
        Assert.Equal(["return.requested", "return.authorized", "label.created"], repaired.Select(e => e.Type));
        Assert.Equal((await rma.GetEventsAsync()).Select(e => e.Hash), repaired.Select(e => e.Hash));
    }

    [Fact]
    public async Task SecondReturn_ForAlreadyReturnedUnits_IsRejectedUntilTheFirstIsCancelled()
    {
        var orderId = fixture.NewOrder();
        var first = Rma($"RMA-{Id()}");
        var second = Rma($"RMA-{Id()}");
        Ok(await first.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "x", ReasonClass.Convenience)])));

        var refused = await second.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "x", ReasonClass.Convenience)]));
        Assert.Equal("rma.ineligible", refused.Rejection?.Code);
        Assert.Null(await second.GetAsync());

        Ok(await first.CancelAsync(new CancelRma(Id(), "customer:c-1", CancelledBy.Customer, "changed my mind")));
        Ok(await second.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 2, "x", ReasonClass.Convenience)])));
    }

    [Fact]
    public async Task IllegalTransition_IsAConflictAndChangesNothing()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)])));

        var result = await rma.SettleAsync(new SettleRma(Id(), "finance:f", SettlementKind.StoreCredit));

        Assert.Equal(RejectionKind.Conflict, result.Rejection?.Kind);
        Assert.Equal(created.Version, (await rma.GetAsync())!.Version);
    }

    [Fact]
    public async Task Deadlines_WarnAndBreachOnFakeTime_AndCreateAnEscalationTask()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        Assert.Equal(RmaStatus.UnderReview, created.Status);
        var due = Assert.Single(created.Deadlines, d => d.Stage == "authorize").DueAt;

        fixture.Time.SetUtcNow(due.AddHours(-4)); // 20 of 24 hours: past the 80 % warning
        var warned = await rma.CheckDeadlinesAsync();
        await rma.CheckDeadlinesAsync(); // a duplicate tick changes nothing
        Assert.NotNull(Assert.Single(warned!.Deadlines, d => d.Stage == "authorize").WarnedAt);
        Assert.Single(await rma.GetEventsAsync(), e => e.Type == "sla.warning");

        Assert.NotNull(await ReminderAsync(rma));

        // The reminder handler runs the same catch-up; ticks may repeat.
        fixture.Time.SetUtcNow(due.AddMinutes(1));
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromHours(1), DateTime.UtcNow);
        await fixture.Client.GetGrain<IRemindable>(rma.GetGrainId()).ReceiveReminder("rma-deadlines", tick);
        await fixture.Client.GetGrain<IRemindable>(rma.GetGrainId()).ReceiveReminder("rma-deadlines", tick);

        var events = await rma.GetEventsAsync();
        Assert.Single(events, e => e.Type == "sla.breached");
        var escalations = await fixture.Client.GetGrain<ITaskQueueGrain>("demo/escalations").ListAsync(HumanTaskStatus.Open);
        var task = Assert.Single(escalations, t => t.RmaId == rmaId);
        Assert.Equal(TaskQueues.KindSlaBreach, task.Kind);
        Assert.Contains(events, e => e.Type == "task.created" && e.DataJson.Contains(task.TaskId));
    }

    [Fact]
    public async Task CompletingTheReviewTask_ApprovesTheReturn()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        var queue = fixture.Client.GetGrain<ITaskQueueGrain>("demo/review");
        var task = Assert.Single(await queue.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);

        Ok2(await queue.ClaimAsync(task.TaskId, "agent:ann"));
        Assert.Equal("task.not_open", (await queue.ClaimAsync(task.TaskId, "agent:bob")).Rejection?.Code);
        var completed = Ok2(await queue.CompleteAsync(task.TaskId, "approve", "agent:ann", "receipt checked"));

        Assert.Equal(HumanTaskStatus.Completed, completed.Status);
        var view = await rma.GetAsync();
        Assert.Equal(RmaStatus.Authorized, view!.Status);
        Assert.All(view.Lines, l => Assert.Equal(LineAcceptance.Accepted, l.Acceptance));
        Assert.Contains(await rma.GetEventsAsync(), e => e.Type == "return.authorized" && e.Actor == "agent:ann");
        Assert.DoesNotContain(await queue.ListAsync(HumanTaskStatus.Open), t => t.TaskId == task.TaskId);
        Assert.Equal(["task.created", "task.assigned", "return.authorized", "task.completed"],
            (await rma.GetEventsAsync()).Select(e => e.Type).Where(t => t.StartsWith("task.", StringComparison.Ordinal) || t == "return.authorized"));
    }

    [Fact]
    public async Task CompletingTheFraudTask_ReleasesTheHoldAndApproves()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        var created = Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)], FraudSignal: true)));
        Assert.True(created.OnHold);
        var queue = fixture.Client.GetGrain<ITaskQueueGrain>("demo/fraud");
        var task = Assert.Single(await queue.ListAsync(), t => t.RmaId == rmaId);

        Ok2(await queue.CompleteAsync(task.TaskId, "approve", "agent:fraud-desk"));

        var view = await rma.GetAsync();
        Assert.False(view!.OnHold);
        Assert.Equal(RmaStatus.Authorized, view.Status);
    }

    [Fact]
    public async Task EscalatingATask_MovesItToTheEscalationsQueue_WhereItStillDecidesTheReturn()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var rma = Rma(rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("2", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])])));
        var review = fixture.Client.GetGrain<ITaskQueueGrain>("demo/review");
        var task = Assert.Single(await review.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId);

        var escalated = Ok2(await review.EscalateAsync(task.TaskId, "agent:ann", "needs a manager"));
        Assert.Equal(HumanTaskStatus.Escalated, escalated.Status);

        var escalations = fixture.Client.GetGrain<ITaskQueueGrain>("demo/escalations");
        var moved = Assert.Single(await escalations.ListAsync(HumanTaskStatus.Open), t => t.RmaId == rmaId && t.Kind == TaskQueues.KindReview);
        Assert.True((await escalations.GetStatsAsync()).Depth >= 1);
        Ok2(await escalations.CompleteAsync(moved.TaskId, "decline", "manager:max", "outside policy"));
        Assert.Equal(RmaStatus.Declined, (await rma.GetAsync())!.Status);
    }

    private async Task<ReminderEntry?> ReminderAsync(IRmaGrain rma) =>
        await fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>().ReadRow(rma.GetGrainId(), "rma-deadlines");

    private static HumanTaskView Ok2(HumanTaskResult result)
    {
        Assert.True(result.Rejection is null, $"refused: {result.Rejection?.Code} {result.Rejection?.Detail}");
        return result.Task!;
    }
}
