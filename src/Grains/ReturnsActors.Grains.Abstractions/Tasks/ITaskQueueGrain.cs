using System.Text.Json.Serialization;
using Orleans.Concurrency;

namespace ReturnsActors.Grains.Tasks;

[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<HumanTaskStatus>))]
public enum HumanTaskStatus
{
    Open = 0,
    Claimed = 1,
    Completed = 2,
    Escalated = 3,
}

/// <summary>Well-known queue names and task kinds.</summary>
public static class TaskQueues
{
    public const string Review = "review";
    public const string Fraud = "fraud";
    public const string InspectionException = "inspection_exception";
    public const string Escalations = "escalations";
    public const string QualityReview = "quality_review";
    public const string Exceptions = "exceptions";

    public const string KindReview = "review";
    public const string KindFraud = "fraud_hold";
    public const string KindSlaBreach = "sla_breach";
    public const string KindSerialMismatch = "serial_mismatch";
    public const string KindWrongItem = "wrong_item";
    public const string KindCarrierLost = "carrier_lost";
    public const string KindEscalated = "escalated";
    public const string KindSerialMissing = "serial_missing";
    public const string KindQualityReview = "quality_review";
    public const string KindReplacementOutOfStock = "replacement_out_of_stock";
}

/// <summary>Creates a task. Idempotent by <paramref name="TaskId"/>.</summary>
[GenerateSerializer, Immutable, Alias("ra.CreateHumanTask")]
public sealed record CreateHumanTask(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string RmaId,
    [property: Id(3)] string Reason,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>A human task as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.HumanTaskView")]
public sealed record HumanTaskView(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Queue,
    [property: Id(2)] string Kind,
    [property: Id(3)] string RmaId,
    [property: Id(4)] string Reason,
    [property: Id(5)] HumanTaskStatus Status,
    [property: Id(6)] string? Assignee,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? CompletedAt,
    [property: Id(9)] string? Outcome,
    [property: Id(10)] string? EscalatedTo);

/// <summary>Depth (open and claimed tasks) and age of the oldest of them.</summary>
[GenerateSerializer, Immutable, Alias("ra.TaskQueueStats")]
public sealed record TaskQueueStats(
    [property: Id(0)] string Queue,
    [property: Id(1)] int Depth,
    [property: Id(2)] TimeSpan? OldestAge);

/// <summary>The answer to a task command.</summary>
[GenerateSerializer, Immutable, Alias("ra.HumanTaskResult")]
public sealed record HumanTaskResult([property: Id(0)] HumanTaskView? Task, [property: Id(1)] Rejection? Rejection)
{
    public static HumanTaskResult Ok(HumanTaskView task) => new(task, null);
    public static HumanTaskResult Refused(Rejection rejection) => new(null, rejection);
}

/// <summary>A queue of human tasks. Key: <c>{tenantId}/{queue}</c> (review, fraud, inspection_exception, escalations).</summary>
public interface ITaskQueueGrain : IGrainWithStringKey
{
    /// <summary>Adds a task; a task id seen before returns the existing task. Interleaves with other calls:
    /// a return may create a task while this queue waits on that return (completing a review), which would otherwise deadlock.</summary>
    [AlwaysInterleave]
    Task<HumanTaskView> CreateAsync(CreateHumanTask command);

    /// <summary>Tasks in the queue, optionally only those with the given status, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<HumanTaskView>> ListAsync(HumanTaskStatus? status = null);

    /// <summary>One task, or null.</summary>
    [ReadOnly]
    Task<HumanTaskView?> GetAsync(string taskId);

    /// <summary>The caller takes an open task.</summary>
    Task<HumanTaskResult> ClaimAsync(string taskId, string assignee);

    /// <summary>Assigns (or reassigns) an open or claimed task.</summary>
    Task<HumanTaskResult> AssignAsync(string taskId, string assignee, string actor);

    /// <summary>Completes the task. The outcome is applied to the return for tasks that decide it: review and fraud tasks take
    /// <c>approve</c>, <c>decline</c> or <c>dismiss</c>; quality review tasks take a disposition (<c>restock</c>, <c>refurbish</c>,
    /// <c>repair</c>, <c>scrap</c>, <c>donate</c>, <c>return_to_vendor</c>); replacement-out-of-stock tasks take a settlement
    /// (<c>refund</c>, <c>store_credit</c>, <c>credit_memo</c>, <c>replacement_standard</c>, <c>replacement_advance</c>).</summary>
    Task<HumanTaskResult> CompleteAsync(string taskId, string outcome, string actor, string? note = null);

    /// <summary>Moves the task to another queue (default <c>escalations</c>).</summary>
    Task<HumanTaskResult> EscalateAsync(string taskId, string actor, string reason, string? toQueue = null);

    /// <summary>Queue depth and oldest age.</summary>
    [ReadOnly]
    Task<TaskQueueStats> GetStatsAsync();
}
