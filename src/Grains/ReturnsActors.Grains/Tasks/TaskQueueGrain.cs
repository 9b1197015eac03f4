using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Tasks;

[GenerateSerializer, Alias("ra.TaskQueueState")]
public sealed class TaskQueueState
{
    [Id(0)] public List<HumanTaskState> Tasks { get; set; } = [];
}

[GenerateSerializer, Alias("ra.HumanTaskState")]
public sealed class HumanTaskState
{
    [Id(0)] public string TaskId { get; set; } = "";
    [Id(1)] public string Kind { get; set; } = "";
    [Id(2)] public string RmaId { get; set; } = "";
    [Id(3)] public string Reason { get; set; } = "";
    [Id(4)] public HumanTaskStatus Status { get; set; }
    [Id(5)] public string? Assignee { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(8)] public string? Outcome { get; set; }
    [Id(9)] public string? EscalatedTo { get; set; }
}

/// <summary>One queue of human tasks for one tenant. Completing a review or fraud task approves or declines the return.</summary>
public sealed class TaskQueueGrain(
    [PersistentState("tasks", StorageNames.Returns)] IPersistentState<TaskQueueState> state,
    TimeProvider time) : Grain, ITaskQueueGrain
{
    /// <summary>Closed tasks kept for history; open ones are never dropped.</summary>
    public const int MaxClosedTasks = 1000;

    private static readonly string[] _decisionOutcomes = ["approve", "decline", "dismiss"];

    // CreateAsync interleaves with calls that are awaiting a return; writes must still not overlap.
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public async Task<HumanTaskView> CreateAsync(CreateHumanTask command)
    {
        if (Find(command.TaskId) is { } existing)
        {
            return View(existing);
        }

        var task = new HumanTaskState
        {
            TaskId = command.TaskId,
            Kind = command.Kind,
            RmaId = command.RmaId,
            Reason = command.Reason,
            CreatedAt = command.CreatedAt,
        };
        state.State.Tasks.Add(task);
        Trim();
        await WriteAsync();
        return View(task);
    }

    public Task<IReadOnlyList<HumanTaskView>> ListAsync(HumanTaskStatus? status = null) =>
        Task.FromResult<IReadOnlyList<HumanTaskView>>(state.State.Tasks
            .Where(t => status is null || t.Status == status)
            .OrderBy(t => t.CreatedAt)
            .Select(View)
            .ToList());

    public Task<HumanTaskView?> GetAsync(string taskId) => Task.FromResult(Find(taskId) is { } t ? View(t) : null);

    public async Task<HumanTaskResult> ClaimAsync(string taskId, string assignee)
    {
        if (Find(taskId) is not { } task)
        {
            return NotFound(taskId);
        }

        if (string.IsNullOrWhiteSpace(assignee))
        {
            return HumanTaskResult.Refused(Rejection.Invalid("task.assignee", "An assignee is required."));
        }

        if (task.Status == HumanTaskStatus.Claimed && task.Assignee == assignee)
        {
            return HumanTaskResult.Ok(View(task));
        }

        if (task.Status != HumanTaskStatus.Open)
        {
            return HumanTaskResult.Refused(Rejection.Conflict("task.not_open", $"Task is {task.Status}{(task.Assignee is null ? "" : $" by {task.Assignee}")}."));
        }

        if (await RecordOnReturnAsync(task, TaskActivity.Assigned, assignee, $"claimed by {assignee}", $"assigned:{assignee}") is { } refused)
        {
            return HumanTaskResult.Refused(refused);
        }

        task.Status = HumanTaskStatus.Claimed;
        task.Assignee = assignee;
        await WriteAsync();
        return HumanTaskResult.Ok(View(task));
    }

    public async Task<HumanTaskResult> AssignAsync(string taskId, string assignee, string actor)
    {
        if (Find(taskId) is not { } task)
        {
            return NotFound(taskId);
        }

        if (string.IsNullOrWhiteSpace(assignee))
        {
            return HumanTaskResult.Refused(Rejection.Invalid("task.assignee", "An assignee is required."));
        }

        if (task.Status is not (HumanTaskStatus.Open or HumanTaskStatus.Claimed))
        {
            return HumanTaskResult.Refused(Rejection.Conflict("task.closed", $"Task is {task.Status}."));
        }

        if (await RecordOnReturnAsync(task, TaskActivity.Assigned, actor, $"assigned to {assignee}", $"assigned:{assignee}") is { } refused)
        {
            return HumanTaskResult.Refused(refused);
        }

        task.Status = HumanTaskStatus.Claimed;
        task.Assignee = assignee;
        await WriteAsync();
        return HumanTaskResult.Ok(View(task));
    }

    public async Task<HumanTaskResult> CompleteAsync(string taskId, string outcome, string actor, string? note = null)
    {
        if (Find(taskId) is not { } task)
        {
            return NotFound(taskId);
        }

        outcome = (outcome ?? "").Trim().ToLowerInvariant();
        if (task.Status == HumanTaskStatus.Completed)
        {
            return task.Outcome == outcome
                ? HumanTaskResult.Ok(View(task))
                : HumanTaskResult.Refused(Rejection.Conflict("task.completed", $"Task was already completed with '{task.Outcome}'."));
        }

        if (task.Status == HumanTaskStatus.Escalated)
        {
            return HumanTaskResult.Refused(Rejection.Conflict("task.escalated", $"Task was escalated to '{task.EscalatedTo}'."));
        }

        var decides = task.Kind is TaskQueues.KindReview or TaskQueues.KindFraud;
        Disposition? disposition = task.Kind == TaskQueues.KindQualityReview ? ParseDisposition(outcome) : null;
        SettlementKind? settlement = task.Kind == TaskQueues.KindReplacementOutOfStock ? ParseSettlement(outcome) : null;
        var expected = task.Kind switch
        {
            _ when decides => _decisionOutcomes.Contains(outcome) ? null : "One of approve, decline, dismiss.",
            TaskQueues.KindQualityReview => disposition is null ? "One of restock, refurbish, repair, scrap, donate, return_to_vendor." : null,
            TaskQueues.KindReplacementOutOfStock => settlement is null
                ? "One of refund, store_credit, credit_memo, replacement_standard, replacement_advance."
                : null,
            _ => outcome.Length == 0 ? "Required." : null,
        };
        if (expected is not null)
        {
            return HumanTaskResult.Refused(Rejection.Invalid("task.outcome", "Unknown outcome.",
                new Dictionary<string, string[]> { ["outcome"] = [expected] }));
        }

        var applied = decides && outcome != "dismiss" ? await ApplyToReturnAsync(task, outcome, actor, note)
            : disposition is { } d ? await ApplyDispositionAsync(task, d, outcome, actor)
            : settlement is { } k ? await ApplySettlementAsync(task, k, outcome, actor, note)
            : null;
        if (applied is { } refused)
        {
            return HumanTaskResult.Refused(refused);
        }

        if (await RecordOnReturnAsync(task, TaskActivity.Completed, actor, note is null ? outcome : $"{outcome}: {note}", "completed") is { } notRecorded)
        {
            return HumanTaskResult.Refused(notRecorded);
        }

        task.Status = HumanTaskStatus.Completed;
        task.Outcome = outcome;
        task.CompletedAt = time.GetUtcNow();
        task.Assignee ??= actor;
        Trim();
        await WriteAsync();
        return HumanTaskResult.Ok(View(task));
    }

    public async Task<HumanTaskResult> EscalateAsync(string taskId, string actor, string reason, string? toQueue = null)
    {
        if (Find(taskId) is not { } task)
        {
            return NotFound(taskId);
        }

        var target = string.IsNullOrWhiteSpace(toQueue) ? TaskQueues.Escalations : toQueue.Trim();
        if (target == QueueName())
        {
            return HumanTaskResult.Refused(Rejection.Invalid("task.queue", "The task is already in that queue."));
        }

        if (task.Status is not (HumanTaskStatus.Open or HumanTaskStatus.Claimed))
        {
            return HumanTaskResult.Refused(Rejection.Conflict("task.closed", $"Task is {task.Status}."));
        }

        // Same kind in the target queue, so completing the escalated task still decides the return.
        await GrainFactory.GetGrain<ITaskQueueGrain>($"{Tenant()}/{target}")
            .CreateAsync(new CreateHumanTask($"{task.TaskId}-esc", task.Kind, task.RmaId, $"Escalated by {actor}: {reason} ({task.Reason})", time.GetUtcNow()));
        if (await RecordOnReturnAsync(task, TaskActivity.Escalated, actor, $"to {target}: {reason}", "escalated") is { } refused)
        {
            return HumanTaskResult.Refused(refused);
        }

        task.Status = HumanTaskStatus.Escalated;
        task.EscalatedTo = target;
        task.CompletedAt = time.GetUtcNow();
        await WriteAsync();
        return HumanTaskResult.Ok(View(task));
    }

    public Task<TaskQueueStats> GetStatsAsync()
    {
        var open = state.State.Tasks.Where(t => t.Status is HumanTaskStatus.Open or HumanTaskStatus.Claimed).ToList();
        TimeSpan? oldest = open.Count == 0 ? null : time.GetUtcNow() - open.Min(t => t.CreatedAt);
        return Task.FromResult(new TaskQueueStats(QueueName(), open.Count, oldest));
    }

    private async Task<Rejection?> ApplyToReturnAsync(HumanTaskState task, string outcome, string actor, string? note)
    {
        var rma = GrainFactory.GetGrain<IRmaGrain>($"{Tenant()}/{task.RmaId}");
        // The return calls back into task queues while draining its outbox; let that call chain re-enter.
        using var reentrancy = RequestContext.AllowCallChainReentrancy();
        var commandId = $"task:{task.TaskId}:{outcome}";
        var view = await rma.GetAsync();
        if (outcome == "approve" && task.Kind == TaskQueues.KindFraud && view is { OnHold: true, HoldReason: RmaMachine.HoldFraudCheck })
        {
            var released = await rma.ReleaseHoldAsync(new ReleaseRmaHold($"{commandId}:release", actor, note));
            if (released.Rejection is { } r)
            {
                return r;
            }
        }

        // A fraud hold within the auto-approve limit was authorized at once; clearing it is the whole decision.
        if (outcome == "approve" && task.Kind == TaskQueues.KindFraud && view?.Status is not (RmaStatus.Requested or RmaStatus.UnderReview))
        {
            return null;
        }

        var result = outcome == "approve"
            ? await rma.ApproveAsync(new ApproveRma(commandId, actor, note))
            : await rma.DeclineAsync(new DeclineRma(commandId, actor, string.IsNullOrWhiteSpace(note) ? $"Declined in task {task.TaskId}." : note));
        return result.Rejection;
    }

    /// <summary>The reviewer's disposition applies to every line of the return still waiting for quality review.</summary>
    private async Task<Rejection?> ApplyDispositionAsync(HumanTaskState task, Disposition disposition, string outcome, string actor)
    {
        var rma = GrainFactory.GetGrain<IRmaGrain>($"{Tenant()}/{task.RmaId}");
        using var reentrancy = RequestContext.AllowCallChainReentrancy();
        var waiting = (await rma.GetAsync())?.Lines.Where(l => l.Disposition == Disposition.QualityReview).ToList() ?? [];
        if (waiting.Count == 0)
        {
            return null;
        }

        var result = await rma.DispositionAsync(new DispositionRma($"task:{task.TaskId}:{outcome}", actor,
            waiting.Select(l => new LineDisposition(l.LineId, disposition)).ToList()));
        return result.Rejection;
    }

    /// <summary>Releases the out-of-stock hold and settles the return the way the person chose (or retries the replacement).</summary>
    private async Task<Rejection?> ApplySettlementAsync(HumanTaskState task, SettlementKind kind, string outcome, string actor, string? note)
    {
        var rma = GrainFactory.GetGrain<IRmaGrain>($"{Tenant()}/{task.RmaId}");
        using var reentrancy = RequestContext.AllowCallChainReentrancy();
        var commandId = $"task:{task.TaskId}:{outcome}";
        if (await rma.GetAsync() is { OnHold: true, HoldReason: RmaMachine.HoldReplacementOutOfStock }
            && (await rma.ReleaseHoldAsync(new ReleaseRmaHold($"{commandId}:release", actor, note))).Rejection is { } notReleased)
        {
            return notReleased;
        }

        return (await rma.SettleAsync(new SettleRma(commandId, actor, kind))).Rejection;
    }

    private static Disposition? ParseDisposition(string outcome) =>
        ParseName<Disposition>(outcome) is { } d && d != Disposition.QualityReview ? d : null;

    private static SettlementKind? ParseSettlement(string outcome) =>
        outcome == "refund" ? SettlementKind.RefundOriginalPayment : ParseName<SettlementKind>(outcome);

    /// <summary>Parses a snake_case name (<c>return_to_vendor</c>) into an enum member; numbers are not names.</summary>
    private static T? ParseName<T>(string value) where T : struct, Enum =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterLower(c) || c == '_')
            && Enum.TryParse<T>(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed)
            ? parsed
            : null;

    /// <summary>Writes the task activity onto the return's audit trail. The command id is derived from the task,
    /// so a retried call (after a failure before this grain's write) is a replay, not a second event.</summary>
    private async Task<Rejection?> RecordOnReturnAsync(HumanTaskState task, TaskActivity activity, string actor, string detail, string suffix)
    {
        var rma = GrainFactory.GetGrain<IRmaGrain>($"{Tenant()}/{task.RmaId}");
        using var reentrancy = RequestContext.AllowCallChainReentrancy();
        var result = await rma.RecordTaskActivityAsync(new RecordTaskActivity($"task:{task.TaskId}:{suffix}", actor, task.TaskId, QueueName(), activity, detail));
        // A task whose return is gone must still be closable.
        return result.Rejection is { Kind: not RejectionKind.NotFound } r ? r : null;
    }

    private async Task WriteAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void Trim()
    {
        var closed = state.State.Tasks.Where(t => t.Status is HumanTaskStatus.Completed or HumanTaskStatus.Escalated).ToList();
        foreach (var t in closed.OrderBy(t => t.CompletedAt).Take(Math.Max(0, closed.Count - MaxClosedTasks)))
        {
            state.State.Tasks.Remove(t);
        }
    }

    private HumanTaskState? Find(string taskId) => state.State.Tasks.FirstOrDefault(t => t.TaskId == taskId);

    private HumanTaskView View(HumanTaskState t) =>
        new(t.TaskId, QueueName(), t.Kind, t.RmaId, t.Reason, t.Status, t.Assignee, t.CreatedAt, t.CompletedAt, t.Outcome, t.EscalatedTo);

    private static HumanTaskResult NotFound(string taskId) =>
        HumanTaskResult.Refused(Rejection.NotFound("task.not_found", $"Task '{taskId}' was not found."));

    private string Tenant() => this.GetPrimaryKeyString().Split('/', 2)[0];

    private string QueueName() => this.GetPrimaryKeyString().Split('/', 2) is [_, var queue] ? queue : "";
}
