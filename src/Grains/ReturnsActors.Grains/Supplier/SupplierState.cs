using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>Persisted state of one supplier and its claims. Round-trips through System.Text.Json.</summary>
[GenerateSerializer, Alias("ra.SupplierState")]
public sealed class SupplierState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Currency { get; set; } = "EUR";
    [Id(3)] public decimal? AllowanceCap { get; set; }
    [Id(4)] public int ConsolidationWindowDays { get; set; } = 7;
    [Id(5)] public int AckSlaHours { get; set; } = 72;
    [Id(6)] public List<VendorClaimState> Claims { get; set; } = [];
    /// <summary>Which claim owns each returned line (<c>{rmaId}/{lineId}</c>): a line is claimed once. A cancelled claim releases its lines.</summary>
    [Id(7)] public Dictionary<string, string> LineOwners { get; set; } = [];
    [Id(8)] public int NextClaimNumber { get; set; } = 1;
    /// <summary>Where submitted claims are POSTed; null: claims are submitted by hand.</summary>
    [Id(9)] public string? ClaimsEndpoint { get; set; }
    [Id(10)] public string? SigningSecret { get; set; }
    /// <summary>The secret before the last rotation; it keeps signing until <see cref="PreviousSecretExpiresAt"/>.</summary>
    [Id(11)] public string? PreviousSigningSecret { get; set; }
    [Id(12)] public DateTimeOffset? PreviousSecretExpiresAt { get; set; }
}

[GenerateSerializer, Alias("ra.VendorClaimState")]
public sealed class VendorClaimState
{
    [Id(0)] public string ClaimId { get; set; } = "";
    [Id(1)] public VendorClaimStatus Status { get; set; }
    [Id(2)] public string Currency { get; set; } = "EUR";
    [Id(3)] public DateTimeOffset OpenedAt { get; set; }
    [Id(4)] public DateTimeOffset WindowClosesAt { get; set; }
    [Id(5)] public DateTimeOffset? SubmittedAt { get; set; }
    [Id(6)] public DateTimeOffset? AckDueAt { get; set; }
    [Id(7)] public DateTimeOffset? AckEscalatedAt { get; set; }
    /// <summary>The escalation task was created in the escalations queue (retried until it is).</summary>
    [Id(8)] public bool EscalationTaskCreated { get; set; }
    [Id(9)] public string? VendorRmaNumber { get; set; }
    [Id(10)] public string? TrackingNumber { get; set; }
    [Id(11)] public decimal CreditedAmount { get; set; }
    [Id(12)] public decimal WrittenOffAmount { get; set; }
    [Id(13)] public bool DisputeOpen { get; set; }
    [Id(14)] public string? DisputeReason { get; set; }
    [Id(15)] public string? RejectionReason { get; set; }
    [Id(16)] public DateTimeOffset? ClosedAt { get; set; }
    [Id(17)] public List<ClaimLineState> Lines { get; set; } = [];
    [Id(18)] public List<ClaimHistoryEntry> History { get; set; } = [];
    /// <summary>Command ids applied to this claim (bounded), so a retried action is a no-op.</summary>
    [Id(19)] public List<string> AppliedCommands { get; set; } = [];
    /// <summary>The outbox entry of the submission to the supplier's endpoint, written with the status change; null when nothing is sent.</summary>
    [Id(20)] public ClaimSubmissionState? Submission { get; set; }

    public decimal ClaimedAmount => Lines.Sum(l => Money.Round(l.UnitPrice.Amount * l.Quantity));

    public decimal OutstandingAmount => Math.Max(0, ClaimedAmount - CreditedAmount - WrittenOffAmount);
}

[GenerateSerializer, Alias("ra.ClaimLineState")]
public sealed class ClaimLineState
{
    [Id(0)] public string RmaId { get; set; } = "";
    [Id(1)] public string LineId { get; set; } = "";
    [Id(2)] public string Sku { get; set; } = "";
    [Id(3)] public int Quantity { get; set; }
    [Id(4)] public Money UnitPrice { get; set; } = Money.Zero("EUR");
    [Id(5)] public string ReasonCode { get; set; } = "";
    [Id(6)] public ReasonClass ReasonClass { get; set; }
    [Id(7)] public ItemGrade? Grade { get; set; }
    [Id(8)] public string? ConditionNotes { get; set; }
}

[GenerateSerializer, Alias("ra.ClaimSubmissionState")]
public sealed class ClaimSubmissionState
{
    [Id(0)] public ClaimSubmissionStatus Status { get; set; }
    /// <summary>Sent as <c>Idempotency-Key</c> and <c>webhook-id</c> on every attempt, resubmissions included.</summary>
    [Id(1)] public string IdempotencyKey { get; set; } = "";
    /// <summary>Finished attempts since the submission, resubmissions included; the attempt under way is number Attempts + 1. Numbers keep
    /// rising across resubmissions, so a late report of an attempt of an earlier round is recognised and ignored.</summary>
    [Id(2)] public int Attempts { get; set; }
    [Id(3)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(4)] public DateTimeOffset? LastAttemptAt { get; set; }
    [Id(5)] public int? LastStatusCode { get; set; }
    [Id(6)] public string? LastError { get; set; }
    [Id(7)] public DateTimeOffset? DeliveredAt { get; set; }
    /// <summary>How often it failed: names the exceptions task of each failure.</summary>
    [Id(8)] public int Failures { get; set; }
    /// <summary>The exceptions task of the last failure was created (retried until it is).</summary>
    [Id(9)] public bool FailureTaskCreated { get; set; }
    /// <summary>Attempts made before the last resubmission: the attempt limit and the backoff count from here.</summary>
    [Id(10)] public int RoundStart { get; set; }
}
