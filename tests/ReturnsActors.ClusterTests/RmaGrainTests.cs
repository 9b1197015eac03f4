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
    public async Task LongHistory_IsReadFromTheLog_AndVerifiesFromTheFirstEvent()
    {
        var orderId = fixture.NewOrder();
        var key = $"demo/RMA-{Id()}";
        var rma = fixture.Client.GetGrain<IRmaGrain>(key);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "x", ReasonClass.Convenience)])));
        for (var i = 0; i < 505; i++)
        {
            Ok(await rma.AddNoteAsync(new AddRmaNote(Id(), "agent:a", $"note {i}")));
        }

        await fixture.Cluster.DeactivateAsync(rma);
        var history = await rma.GetEventsAsync();
        var verification = await rma.VerifyAsync();

        Assert.Equal(507, history.Count);
        Assert.Equal((await fixture.EventLog.ReadAsync(key)).Select(e => e.Hash), history.Select(e => e.Hash));
        Assert.True(verification.Valid);
        Assert.Equal(1, verification.CheckedFromSeq);
        Assert.Equal(507, verification.CheckedThroughSeq);
        Assert.Equal(RmaStatus.Authorized, (await rma.GetAsync())!.Status);
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
    public async Task AFailedAppend_RefusesTheCommand_RecordsNothing_AndItsRetryGoesThrough()
    {
        var orderId = fixture.NewOrder();
        var key = $"demo/RMA-{Id()}";
        var rma = fixture.Client.GetGrain<IRmaGrain>(key);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        var label = new RecordLabel(Id(), "agent:a", "ups", "1Z");

        fixture.EventLog.Fail = true;
        RmaUnavailableException refused;
        try
        {
            // Nothing is acknowledged that is not in the log: the command fails, retryably.
            refused = await Assert.ThrowsAsync<RmaUnavailableException>(() => rma.RecordLabelAsync(label));
        }
        finally
        {
            fixture.EventLog.Fail = false;
        }

        Assert.Equal(RmaUnavailableException.LogUnavailable, refused.Code);
        Assert.True(refused.Retryable);
        Assert.Equal(RmaStatus.Authorized, (await rma.GetAsync())!.Status);
        Assert.Equal(["return.requested", "return.authorized"], (await fixture.EventLog.ReadAsync(key)).Select(e => e.Type));

        var retried = await rma.RecordLabelAsync(label);
        Assert.False(retried.Replayed);
        Assert.Equal(RmaStatus.AwaitingShipment, Ok(retried).Status);
        var logged = await fixture.EventLog.ReadAsync(key);
        Assert.Equal(["return.requested", "return.authorized", "label.created"], logged.Select(e => e.Type));
        Assert.True(AuditChain.Verify(logged).Valid);
    }

    [Fact]
    public async Task WithoutASnapshot_TheStateIsFoldedFromTheLog_AndAnAppliedCommandIdIsStillRecognised()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        var label = new RecordLabel(Id(), "agent:a", "ups", "1Z");
        var before = Ok(await rma.RecordLabelAsync(label));

        // As after a crash before any snapshot: the grain state is gone, the log is the record.
        await fixture.Cluster.DeactivateAsync(rma);
        await ClearSnapshotAsync(rma);

        var after = await rma.GetAsync();
        Assert.Equal(before.Status, after!.Status);
        Assert.Equal(before.Carrier, after.Carrier);
        Assert.Equal(before.Lines.Select(l => (l.LineId, l.Quantity)), after.Lines.Select(l => (l.LineId, l.Quantity)));
        var replayed = await rma.RecordLabelAsync(label);
        Assert.True(replayed.Replayed);
        Assert.Equal(3, (await rma.GetEventsAsync()).Count);
    }

    [Fact]
    public async Task ASnapshotThatDisagreesWithTheLog_IsDiscarded_AndTheStateRebuiltFromTheLog()
    {
        var orderId = fixture.NewOrder();
        var rma = Rma($"RMA-{Id()}");
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        Ok(await rma.RecordLabelAsync(new RecordLabel(Id(), "agent:a", "ups", "1Z")));
        await fixture.Cluster.DeactivateAsync(rma);

        // A snapshot that claims another head (and another status) than the log.
        var (storage, grainState) = await ReadSnapshotAsync(rma);
        Assert.True(grainState.RecordExists, "deactivation writes a snapshot");
        Assert.Equal(3, grainState.State!.LastSeq);
        grainState.State.LastHash = new string('f', 64);
        grainState.State.Status = RmaStatus.Closed;
        await storage.WriteStateAsync("rma", rma.GetGrainId(), grainState);

        Assert.Equal(RmaStatus.AwaitingShipment, (await rma.GetAsync())!.Status);
        Assert.True((await rma.VerifyAsync()).Valid);
        Assert.Equal(RmaStatus.InTransit, Ok(await rma.RecordCarrierEventAsync(new RecordCarrierEvent(Id(), "carrier:ups", CarrierEventKind.InTransit))).Status);
    }

    [Fact]
    public async Task ASnapshotOfThePreviousRelease_WithAnUndrainedOutbox_IsAppendedAndItsEffectsRunAtActivation()
    {
        var orderId = fixture.NewOrder();
        var rmaId = $"RMA-{Id()}";
        var key = $"demo/{rmaId}";
        var rma = Rma(rmaId);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        await fixture.Cluster.DeactivateAsync(rma);

        // As the previous release left it after a crash between its state write and its drain: the label is in the state and
        // its outbox, not in the log, and its side effect (the tracking index) never ran.
        var (storage, grainState) = await ReadSnapshotAsync(rma);
        var logged = await fixture.EventLog.ReadAsync(key);
        var tracking = $"1Z{Id()}"[..12];
        var label = AuditChain.Next(logged[^1].Seq, logged[^1].Hash, new ReturnsActors.Grains.Rma.Events.LabelCreated("ups", tracking, null),
            fixture.Time.GetUtcNow(), "agent:a", "label-before-upgrade", grainState.State!.Policy.Version, []);
        var legacy = grainState.State;
        ReturnsActors.Grains.Rma.RmaEvolve.Append(legacy, label);
        legacy.Outbox = [label];
        legacy.Events = [];
        legacy.EffectsThrough = null;
        await storage.WriteStateAsync("rma", rma.GetGrainId(), grainState);

        Assert.Equal(RmaStatus.AwaitingShipment, (await rma.GetAsync())!.Status);
        Assert.Equal(["return.requested", "return.authorized", "label.created"], (await fixture.EventLog.ReadAsync(key)).Select(e => e.Type));
        Assert.Equal(rmaId, await fixture.Client.GetGrain<ReturnsActors.Grains.Inbound.ITrackingIndexGrain>($"demo/{tracking}").GetAsync());
        Assert.True((await rma.VerifyAsync()).Valid);
    }

    [Theory]
    [InlineData("return.teleported", "{}")]
    [InlineData("note.added", "{not json")]
    public async Task AnUnknownOrCorruptEventInTheLog_QuarantinesThatReturnOnly(string type, string dataJson)
    {
        var orderId = fixture.NewOrder();
        var key = $"demo/RMA-{Id()}";
        var rma = fixture.Client.GetGrain<IRmaGrain>(key);
        Ok(await rma.CreateAsync(new CreateRma(Id(), "customer:c-1", orderId, [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
        await fixture.Cluster.DeactivateAsync(rma);
        var logged = await fixture.EventLog.ReadAsync(key);
        await fixture.EventLog.AppendAsync(key, [AuditChain.Next(logged[^1].Seq, logged[^1].Hash, type, fixture.Time.GetUtcNow(), "system", "odd", 1, [], dataJson)]);

        var read = await Assert.ThrowsAsync<RmaUnavailableException>(() => rma.GetAsync());
        Assert.Equal(RmaUnavailableException.Quarantined, read.Code);
        Assert.False(read.Retryable);
        Assert.Contains("#3", read.Message);
        var command = await rma.AddNoteAsync(new AddRmaNote(Id(), "agent:a", "hello"));
        Assert.Equal(RmaUnavailableException.Quarantined, command.Rejection?.Code);
        // The log is left as it was, and still readable for the operator who repairs it.
        Assert.Equal(3, (await rma.GetEventsAsync()).Count);
        Assert.Equal(3, (await fixture.EventLog.ReadAsync(key)).Count);

        // Every other return goes on.
        var other = Rma($"RMA-{Id()}");
        Ok(await other.CreateAsync(new CreateRma(Id(), "customer:c-1", fixture.NewOrder(), [new RequestedLine("1", 1, "too_small", ReasonClass.Convenience)])));
    }

    private async Task<(Orleans.Storage.IGrainStorage Storage, Orleans.IGrainState<RmaState> State)> ReadSnapshotAsync(IRmaGrain rma)
    {
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Returns);
        var grainState = new Orleans.GrainState<RmaState>(new RmaState());
        await storage.ReadStateAsync("rma", rma.GetGrainId(), grainState);
        return (storage, grainState);
    }

    private async Task ClearSnapshotAsync(IRmaGrain rma)
    {
        var (storage, grainState) = await ReadSnapshotAsync(rma);
        await storage.ClearStateAsync("rma", rma.GetGrainId(), grainState);
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
