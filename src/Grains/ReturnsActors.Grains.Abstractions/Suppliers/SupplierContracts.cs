using System.Text.Json.Serialization;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>State of a vendor claim (DESIGN §3).</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<VendorClaimStatus>))]
public enum VendorClaimStatus
{
    Draft = 0,
    Submitted = 1,
    Acknowledged = 2,
    Shipped = 3,
    PartiallyCredited = 4,
    Credited = 5,
    Rejected = 6,
    WrittenOff = 7,
    Cancelled = 8,
}

/// <summary>Registers a supplier or updates its terms.</summary>
/// <remarks>
/// <para><c>AllowanceCap</c>: The most the tenant may claim from this supplier per calendar year (by submission date); null is no cap.</para>
/// <para><c>ConsolidationWindowDays</c>: Lines join the open draft claim until this many days after it was opened.</para>
/// <para><c>AckSlaHours</c>: Hours the supplier has to acknowledge a submitted claim before it is escalated.</para>
/// <para><c>ClaimsEndpoint</c>: Where submitted claims are POSTed (checked by the API); null: claims are submitted by hand, nothing is sent.</para>
/// <para><c>NewSigningSecret</c>: A fresh <c>whsec_</c> secret, taken only when the supplier gets an endpoint and has no secret yet.</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.RegisterSupplier")]
public sealed record RegisterSupplier(
    [property: Id(0)] string Name,
    [property: Id(1)] string Currency,
    [property: Id(2)] decimal? AllowanceCap,
    [property: Id(3)] int ConsolidationWindowDays = 7,
    [property: Id(4)] int AckSlaHours = 72,
    [property: Id(5)] string? ClaimsEndpoint = null,
    [property: Id(6)] string? NewSigningSecret = null);

/// <summary>Delivery state of a claim submitted to a supplier's claims endpoint.</summary>
[GenerateSerializer, JsonConverter(typeof(JsonStringEnumConverter<ClaimSubmissionStatus>))]
public enum ClaimSubmissionStatus
{
    /// <summary>Waiting for its next attempt (or one is under way).</summary>
    Pending = 0,
    /// <summary>The supplier answered 2xx.</summary>
    Delivered = 1,
    /// <summary>Refused (4xx) or out of attempts: an exceptions task was created; <c>resubmit</c> tries again.</summary>
    Failed = 2,
    /// <summary>The claim left <c>Submitted</c> (acknowledged or cancelled by hand) before it was delivered.</summary>
    Withdrawn = 3,
}

/// <summary>The submission of a claim to the supplier's endpoint, as the claim view shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.ClaimSubmissionView")]
public sealed record ClaimSubmissionView(
    [property: Id(0)] ClaimSubmissionStatus Status,
    [property: Id(1)] string IdempotencyKey,
    [property: Id(2)] int Attempts,
    [property: Id(3)] DateTimeOffset? NextAttemptAt,
    [property: Id(4)] DateTimeOffset? LastAttemptAt,
    [property: Id(5)] int? LastStatusCode,
    [property: Id(6)] string? LastError,
    [property: Id(7)] DateTimeOffset? DeliveredAt);

/// <summary>What one delivery attempt got back: the HTTP status (null when none came), the vendor RMA number of a 2xx body,
/// the error in words, and the supplier's <c>Retry-After</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ClaimSendOutcome")]
public sealed record ClaimSendOutcome(
    [property: Id(0)] int? StatusCode,
    [property: Id(1)] string? VendorRmaNumber,
    [property: Id(2)] string? Error,
    [property: Id(3)] TimeSpan? RetryAfter = null);

/// <summary>A returned line dispositioned to vendor, to be claimed. Idempotent by <c>(RmaId, LineId)</c>.</summary>
[GenerateSerializer, Immutable, Alias("ra.ClaimLineInput")]
public sealed record ClaimLineInput(
    [property: Id(0)] string RmaId,
    [property: Id(1)] string LineId,
    [property: Id(2)] string Sku,
    [property: Id(3)] int Quantity,
    [property: Id(4)] Money UnitPrice,
    [property: Id(5)] string ReasonCode,
    [property: Id(6)] ReasonClass ReasonClass,
    [property: Id(7)] ItemGrade? Grade,
    [property: Id(8)] string? ConditionNotes);

/// <summary>What became of one claim line input: the claim that owns it, or why it was not claimed.</summary>
[GenerateSerializer, Immutable, Alias("ra.ClaimLineOutcome")]
public sealed record ClaimLineOutcome([property: Id(0)] string RmaId, [property: Id(1)] string LineId, [property: Id(2)] string? ClaimId, [property: Id(3)] Rejection? Rejection);

/// <summary>An action on a claim. <paramref name="CommandId"/> makes a retry a no-op.</summary>
/// <remarks>
/// <para><c>Action</c>: <c>submit</c>, <c>resubmit</c> (a failed submission to the supplier's endpoint), <c>acknowledge</c>, <c>ship</c>, <c>credit</c>, <c>reject</c>, <c>dispute</c>, <c>write-off</c>, <c>cancel</c>.</para>
/// <para><c>Reference</c>: Vendor RMA number (acknowledge), tracking number (ship), credit note (credit).</para>
/// <para><c>Amount</c>: The credited amount (credit).</para>
/// <para><c>Reason</c>: Why (reject, dispute, write-off, cancel).</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.ClaimAction")]
public sealed record ClaimAction(
    [property: Id(0)] string CommandId,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string? Reference = null,
    [property: Id(4)] decimal? Amount = null,
    [property: Id(5)] string? Reason = null);

[GenerateSerializer, Immutable, Alias("ra.ClaimLineView")]
public sealed record ClaimLineView(
    [property: Id(0)] string RmaId,
    [property: Id(1)] string LineId,
    [property: Id(2)] string Sku,
    [property: Id(3)] int Quantity,
    [property: Id(4)] Money UnitPrice,
    [property: Id(5)] string ReasonCode,
    [property: Id(6)] ReasonClass ReasonClass,
    [property: Id(7)] ItemGrade? Grade);

[GenerateSerializer, Immutable, Alias("ra.ClaimHistoryEntry")]
public sealed record ClaimHistoryEntry([property: Id(0)] string Type, [property: Id(1)] DateTimeOffset OccurredAt, [property: Id(2)] string Actor, [property: Id(3)] string? Detail);

/// <summary>A vendor claim as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.VendorClaimView")]
public sealed record VendorClaimView(
    [property: Id(0)] string ClaimId,
    [property: Id(1)] string SupplierId,
    [property: Id(2)] VendorClaimStatus Status,
    [property: Id(3)] Money ClaimedValue,
    [property: Id(4)] Money CreditedValue,
    [property: Id(5)] Money WrittenOffValue,
    [property: Id(6)] IReadOnlyList<ClaimLineView> Lines,
    [property: Id(7)] DateTimeOffset OpenedAt,
    [property: Id(8)] DateTimeOffset WindowClosesAt,
    [property: Id(9)] DateTimeOffset? SubmittedAt,
    [property: Id(10)] DateTimeOffset? AckDueAt,
    [property: Id(11)] DateTimeOffset? AckEscalatedAt,
    [property: Id(12)] string? VendorRmaNumber,
    [property: Id(13)] string? TrackingNumber,
    [property: Id(14)] bool DisputeOpen,
    [property: Id(15)] string? DisputeReason,
    [property: Id(16)] string? RejectionReason,
    [property: Id(17)] IReadOnlyList<ClaimHistoryEntry> History,
    [property: Id(18)] ClaimSubmissionView? Submission = null);

/// <summary>Recovery figures of a supplier.</summary>
/// <remarks>
/// <para><c>ClaimedValue</c>: Value of every claim submitted (not drafts, not cancelled).</para>
/// <para><c>RecoveryRate</c>: Credited ÷ claimed value; null before anything was claimed.</para>
/// <para><c>Aging</c>: Open (submitted, not yet closed) claims by days since submission: <c>0-30</c>, <c>31-60</c>, <c>61-90</c>, <c>90+</c>.</para>
/// </remarks>
[GenerateSerializer, Immutable, Alias("ra.SupplierFigures")]
public sealed record SupplierFigures(
    [property: Id(0)] Money ClaimedValue,
    [property: Id(1)] Money CreditedValue,
    [property: Id(2)] Money WrittenOffValue,
    [property: Id(3)] Money OutstandingValue,
    [property: Id(4)] decimal? RecoveryRate,
    [property: Id(5)] int DraftClaims,
    [property: Id(6)] int OpenClaims,
    [property: Id(7)] TimeSpan? OldestOpenClaimAge,
    [property: Id(8)] IReadOnlyDictionary<string, int> Aging,
    [property: Id(9)] Money AllowanceUsedThisYear,
    [property: Id(10)] Money? AllowanceRemaining);

/// <summary>A supplier as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.SupplierView")]
public sealed record SupplierView(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string SupplierId,
    [property: Id(2)] string Name,
    [property: Id(3)] string Currency,
    [property: Id(4)] decimal? AllowanceCap,
    [property: Id(5)] int ConsolidationWindowDays,
    [property: Id(6)] int AckSlaHours,
    [property: Id(7)] SupplierFigures Figures,
    [property: Id(8)] string? ClaimsEndpoint = null,
    [property: Id(9)] string? ClaimsSigningSecret = null);

[GenerateSerializer, Immutable, Alias("ra.SupplierResult")]
public sealed record SupplierResult([property: Id(0)] SupplierView? Supplier, [property: Id(1)] Rejection? Rejection, [property: Id(2)] bool Created = false)
{
    public static SupplierResult Ok(SupplierView view, bool created = false) => new(view, null, created);
    public static SupplierResult Refused(Rejection rejection) => new(null, rejection);
}

[GenerateSerializer, Immutable, Alias("ra.ClaimResult")]
public sealed record ClaimResult([property: Id(0)] VendorClaimView? Claim, [property: Id(1)] Rejection? Rejection, [property: Id(2)] bool Replayed = false)
{
    public static ClaimResult Ok(VendorClaimView view, bool replayed = false) => new(view, null, replayed);
    public static ClaimResult Refused(Rejection rejection, bool replayed = false) => new(null, rejection, replayed);
}

/// <summary>A supplier and its vendor claims. Key: <c>{tenantId}/{supplierId}</c>.</summary>
public interface ISupplierGrain : IGrainWithStringKey
{
    /// <summary>Registers the supplier or updates its terms (allowance cap, consolidation window, acknowledgement SLA).</summary>
    Task<SupplierResult> RegisterAsync(RegisterSupplier command);

    /// <summary>The supplier with its recovery figures; null when it was never registered and has no claims.</summary>
    Task<SupplierView?> GetAsync();

    /// <summary>Drafts claim lines from return-to-vendor dispositions into the open draft claim of the window. A line
    /// already owned by a claim is not claimed again: its outcome names the claim that owns it.</summary>
    Task<IReadOnlyList<ClaimLineOutcome>> AddClaimLinesAsync(IReadOnlyList<ClaimLineInput> lines);

    /// <summary>The claims, newest first, optionally only those in one status.</summary>
    Task<IReadOnlyList<VendorClaimView>> ListClaimsAsync(VendorClaimStatus? status = null);

    /// <summary>One claim, or null.</summary>
    Task<VendorClaimView?> GetClaimAsync(string claimId);

    /// <summary>Applies an action to a claim (submit, acknowledge, ship, credit, reject, dispute, write-off, cancel).</summary>
    Task<ClaimResult> ActAsync(string claimId, ClaimAction action);

    /// <summary>Escalates submitted claims whose acknowledgement is overdue (a task in the <c>escalations</c> queue) and sends
    /// claim submissions that are due. Idempotent; the reminder calls it.</summary>
    Task<IReadOnlyList<string>> CheckSlaAsync();

    /// <summary>A new claims signing secret (the previous one keeps signing for <paramref name="overlap"/>); refused without an endpoint.</summary>
    Task<SupplierResult> RotateClaimsSecretAsync(string newSecret, TimeSpan overlap);

    /// <summary>The outcome of delivery attempt <paramref name="attempt"/> of a claim's submission; a stale attempt is ignored.</summary>
    Task ReportSubmissionAsync(string claimId, int attempt, ClaimSendOutcome outcome);
}

/// <summary>The ids of one tenant's suppliers (registered, or with claims). Key: <c>{tenantId}</c>.</summary>
public interface ISupplierIndexGrain : IGrainWithStringKey
{
    /// <summary>Adds a supplier id. Idempotent.</summary>
    Task AddAsync(string supplierId);

    /// <summary>The supplier ids, ordered.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}
