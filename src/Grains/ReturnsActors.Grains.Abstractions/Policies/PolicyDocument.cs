using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Policies;

/// <summary>A tenant's return policy, stored as JSON. Immutable once published; <see cref="Version"/>,
/// <see cref="PublishedAt"/> and <see cref="PublishedBy"/> are set on publish. Version 0 is the built-in default.</summary>
[GenerateSerializer, Immutable, Alias("ra.PolicyDocument")]
public sealed record PolicyDocument
{
    [Id(0)] public int Version { get; init; }
    /// <summary>When the version comes into force (may be in the future).</summary>
    [Id(1)] public DateTimeOffset? EffectiveFrom { get; init; }
    [Id(2)] public string? BusinessUnit { get; init; }
    /// <summary>Days after delivery when no <see cref="ReturnWindows"/> rule matches.</summary>
    [Id(3)] public int DefaultReturnWindowDays { get; init; } = 30;
    /// <summary>Most specific match wins: channel and category, then category, then channel.</summary>
    [Id(4)] public IReadOnlyList<ReturnWindowRule> ReturnWindows { get; init; } = [];
    [Id(5)] public IReadOnlyList<string> NonReturnableCategories { get; init; } = [];
    /// <summary>Most units one return may hold.</summary>
    [Id(6)] public int MaxUnitsPerRma { get; init; } = 50;
    [Id(7)] public IReadOnlyList<string> SerialRequiredCategories { get; init; } = [];
    /// <summary>Percentage (0-100) of the line value kept as restocking fee, for the reason classes below.</summary>
    [Id(8)] public decimal RestockingFeePercent { get; init; }
    [Id(9)] public IReadOnlyList<ReasonClass> RestockingFeeReasonClasses { get; init; } = [ReasonClass.Convenience];
    /// <summary>Returns worth up to this (in the order currency) are authorized without review.</summary>
    [Id(10)] public decimal AutoApproveLimit { get; init; } = 250m;
    [Id(11)] public IReadOnlyList<FraudHoldRule> FraudHoldRules { get; init; } = [];
    /// <summary>First match wins: grade and category, then grade, then category.</summary>
    [Id(12)] public IReadOnlyList<DispositionRule> DispositionRules { get; init; } = [];
    [Id(13)] public Disposition DefaultDisposition { get; init; } = Disposition.QualityReview;
    /// <summary>Deductions from the refund by inspection grade, as a percentage of the line value.</summary>
    [Id(14)] public IReadOnlyList<GradeDeduction> GradeDeductions { get; init; } = [];
    [Id(15)] public SlaHours Sla { get; init; } = new();
    /// <summary>Queue that receives SLA breach and carrier-loss tasks.</summary>
    [Id(16)] public string EscalationQueue { get; init; } = "escalations";
    [Id(17)] public string ReviewQueue { get; init; } = "review";
    /// <summary>When the ship-by deadline passes with nothing shipped, the return expires (otherwise it escalates).</summary>
    [Id(18)] public bool ExpireWhenShipByPasses { get; init; } = true;
    [Id(19)] public DateTimeOffset? PublishedAt { get; init; }
    [Id(20)] public string? PublishedBy { get; init; }

    /// <summary>Reason classes whose condition deductions the customer bears. A defect, a transit damage or a wrong
    /// item is not the customer's doing, so by default only convenience returns are reduced for their grade.</summary>
    [Id(21)] public IReadOnlyList<ReasonClass> GradeDeductionReasonClasses { get; init; } = [ReasonClass.Convenience];

    /// <summary>Advisory actions (see <see cref="AdvisoryActions"/>) the system may apply without a person when the
    /// model's confidence reaches <see cref="AdvisoryMinConfidence"/>. Empty (the default): every recommendation is advice.</summary>
    [Id(22)] public IReadOnlyList<string> AdvisoryAutoApplyActions { get; init; } = [];

    /// <summary>Lowest model confidence (0.5-1.0) at which a listed action is applied automatically.</summary>
    [Id(23)] public double AdvisoryMinConfidence { get; init; } = 0.9;
}

/// <summary>Return window in days after delivery for a channel and/or category.</summary>
[GenerateSerializer, Immutable, Alias("ra.ReturnWindowRule")]
public sealed record ReturnWindowRule(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Channel,
    [property: Id(2)] string? Category,
    [property: Id(3)] int Days);

/// <summary>Puts a new return on hold and routes it to a fraud queue when every given condition matches.</summary>
[GenerateSerializer, Immutable, Alias("ra.FraudHoldRule")]
public sealed record FraudHoldRule(
    [property: Id(0)] string Id,
    [property: Id(1)] decimal? MinReturnValue = null,
    [property: Id(2)] IReadOnlyList<ReasonClass>? ReasonClasses = null,
    [property: Id(3)] IReadOnlyList<string>? Channels = null,
    [property: Id(4)] bool OnFraudSignal = false,
    [property: Id(5)] string Queue = "fraud");

/// <summary>Disposition for a grade and/or category.</summary>
[GenerateSerializer, Immutable, Alias("ra.DispositionRule")]
public sealed record DispositionRule(
    [property: Id(0)] string Id,
    [property: Id(1)] ItemGrade? Grade,
    [property: Id(2)] string? Category,
    [property: Id(3)] Disposition Disposition);

/// <summary>Refund deduction for an inspection grade.</summary>
[GenerateSerializer, Immutable, Alias("ra.GradeDeduction")]
public sealed record GradeDeduction([property: Id(0)] string Id, [property: Id(1)] ItemGrade Grade, [property: Id(2)] decimal Percent);

/// <summary>Hours allowed per stage, and when to warn (percentage of the allowance).</summary>
[GenerateSerializer, Immutable, Alias("ra.SlaHours")]
public sealed record SlaHours
{
    [Id(0)] public int AuthorizeHours { get; init; } = 24;
    [Id(1)] public int ShipHours { get; init; } = 14 * 24;
    [Id(2)] public int ReceiveHours { get; init; } = 10 * 24;
    [Id(3)] public int InspectHours { get; init; } = 48;
    [Id(4)] public int RefundHours { get; init; } = 72;
    [Id(5)] public int WarningPercent { get; init; } = 80;
}

/// <summary>A past or live return reduced to what policy decisions depend on, for dry runs.</summary>
[GenerateSerializer, Immutable, Alias("ra.RmaSnapshot")]
public sealed record RmaSnapshot(
    [property: Id(0)] string RmaId,
    [property: Id(1)] string Channel,
    [property: Id(2)] DateTimeOffset OrderDeliveredAt,
    [property: Id(3)] DateTimeOffset RequestedAt,
    [property: Id(4)] IReadOnlyList<RmaSnapshotLine> Lines,
    [property: Id(5)] bool FraudSignal = false);

[GenerateSerializer, Immutable, Alias("ra.RmaSnapshotLine")]
public sealed record RmaSnapshotLine(
    [property: Id(0)] string LineId,
    [property: Id(1)] string Category,
    [property: Id(2)] int Quantity,
    [property: Id(3)] Money UnitPrice,
    [property: Id(4)] ReasonClass ReasonClass,
    [property: Id(5)] int SerialCount,
    [property: Id(6)] ItemGrade? Grade = null);

/// <summary>One decision that a draft policy would make differently.</summary>
[GenerateSerializer, Immutable, Alias("ra.DryRunChange")]
public sealed record DryRunChange(
    [property: Id(0)] string RmaId,
    [property: Id(1)] string Decision,
    [property: Id(2)] string Before,
    [property: Id(3)] string After);

/// <summary>What a draft would change against the policy in force.</summary>
[GenerateSerializer, Immutable, Alias("ra.DryRunReport")]
public sealed record DryRunReport(
    [property: Id(0)] int BaselineVersion,
    [property: Id(1)] int Evaluated,
    [property: Id(2)] int ChangedReturns,
    [property: Id(3)] IReadOnlyList<DryRunChange> Changes);

/// <summary>The answer to a policy command.</summary>
[GenerateSerializer, Immutable, Alias("ra.PolicyResult")]
public sealed record PolicyResult([property: Id(0)] PolicyDocument? Policy, [property: Id(1)] Rejection? Rejection)
{
    public static PolicyResult Ok(PolicyDocument policy) => new(policy, null);
    public static PolicyResult Refused(Rejection rejection) => new(null, rejection);
}

/// <summary>Drafts and published versions of one tenant's policy. Key: <c>{tenantId}</c> or <c>{tenantId}/{businessUnit}</c>.</summary>
public interface IPolicyGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores the draft (replacing the previous draft).</summary>
    Task<PolicyResult> SaveDraftAsync(PolicyDocument draft, string actor);

    /// <summary>The current draft, or null.</summary>
    Task<PolicyDocument?> GetDraftAsync();

    /// <summary>Validates the draft and publishes it as the next version, in force from <paramref name="effectiveFrom"/> (default now).</summary>
    Task<PolicyResult> PublishAsync(string actor, DateTimeOffset? effectiveFrom = null);

    /// <summary>The published version in force at <paramref name="at"/>, or null when none is.</summary>
    Task<PolicyDocument?> GetEffectiveAsync(DateTimeOffset at);

    /// <summary>One published version, or null.</summary>
    Task<PolicyDocument?> GetVersionAsync(int version);

    /// <summary>All published versions, oldest first.</summary>
    Task<IReadOnlyList<PolicyDocument>> ListVersionsAsync();

    /// <summary>Evaluates the draft and the policy in force now against the snapshots and reports decisions that would change.</summary>
    Task<DryRunReport?> DryRunAsync(IReadOnlyList<RmaSnapshot> snapshots);
}
