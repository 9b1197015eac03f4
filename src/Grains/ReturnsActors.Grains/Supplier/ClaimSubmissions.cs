using System.Text.Json;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Suppliers;

/// <summary>Durable retry of claim submissions to a supplier's endpoint (<c>Connectors:SupplierClaims:*</c>).</summary>
public sealed class ClaimSubmissionOptions
{
    /// <summary>Attempts before a submission fails (each attempt already holds the HTTP client's quick retries).</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>The delay after the first failed attempt; it doubles per attempt up to <see cref="RetryMax"/>, with ±20 % jitter.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest delay between two attempts, also the cap on the supplier's <c>Retry-After</c>.</summary>
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an attempt handed to the sender may stay unanswered before it is sent again (same Idempotency-Key).</summary>
    public TimeSpan AttemptLease { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>What a reported attempt did to the submission.</summary>
public enum SubmissionChange
{
    Ignored,
    Delivered,
    Acknowledged,
    Retrying,
    Failed,
}

/// <summary>The claim-submission outbox: plain C#, no Orleans. A submission is opened in the same state change as the
/// <c>submit</c>, attempted until the supplier answers 2xx, refuses it (4xx other than 408/429) or the attempts run out.</summary>
public static class ClaimSubmissions
{
    /// <summary>Opens the submission of a claim that was just submitted, when the supplier has an endpoint.</summary>
    public static void Open(SupplierState s, VendorClaimState c, DateTimeOffset now)
    {
        if (s.ClaimsEndpoint is null)
        {
            return;
        }

        c.Submission = new ClaimSubmissionState
        {
            Status = ClaimSubmissionStatus.Pending,
            IdempotencyKey = $"ra-claim-{Guid.NewGuid():N}",
            NextAttemptAt = now,
        };
    }

    /// <summary>Tries a failed submission again with the same Idempotency-Key (or opens one for a claim submitted by hand
    /// before the supplier had an endpoint). A pending one is left as it is.</summary>
    public static Rejection? Resubmit(SupplierState s, VendorClaimState c, string actor, DateTimeOffset now)
    {
        if (c.Status != VendorClaimStatus.Submitted)
        {
            return Rejection.Conflict("claim.illegal_transition", $"Cannot resubmit a claim that is {c.Status}; allowed from Submitted.");
        }

        if (s.ClaimsEndpoint is null)
        {
            return Rejection.Conflict("claim.no_endpoint", "The supplier has no claims endpoint; register one first.");
        }

        switch (c.Submission?.Status)
        {
            case ClaimSubmissionStatus.Pending:
                return null;
            case ClaimSubmissionStatus.Delivered:
                return Rejection.Conflict("claim.already_delivered", "The supplier already accepted this claim.");
            case null:
                Open(s, c, now);
                break;
            default:
                var sub = c.Submission;
                sub.Status = ClaimSubmissionStatus.Pending;
                sub.RoundStart = sub.Attempts;
                sub.NextAttemptAt = now;
                break;
        }

        c.History.Add(new ClaimHistoryEntry("vendor_claim.resubmitted", now, actor, $"Idempotency-Key {c.Submission!.IdempotencyKey}."));
        return null;
    }

    /// <summary>A pending submission of a claim that left <c>Submitted</c> by hand is not sent any more.</summary>
    public static void WithdrawIfSettled(VendorClaimState c)
    {
        if (c.Status != VendorClaimStatus.Submitted && c.Submission is { Status: ClaimSubmissionStatus.Pending } sub)
        {
            sub.Status = ClaimSubmissionStatus.Withdrawn;
            sub.NextAttemptAt = null;
        }
    }

    /// <summary>Fails every pending submission (the supplier's endpoint was removed).</summary>
    public static void FailPending(SupplierState s, string reason, DateTimeOffset now)
    {
        foreach (var c in s.Claims.Where(c => c.Submission?.Status == ClaimSubmissionStatus.Pending))
        {
            Fail(c, reason, now);
        }
    }

    /// <summary>Pending submissions whose next attempt is due.</summary>
    public static IReadOnlyList<VendorClaimState> Due(SupplierState s, DateTimeOffset now) =>
        s.Claims.Where(c => c.Submission is { Status: ClaimSubmissionStatus.Pending } sub && sub.NextAttemptAt <= now).ToList();

    /// <summary>The earliest next attempt of a pending submission.</summary>
    public static DateTimeOffset? NextAttempt(SupplierState s) =>
        s.Claims.Where(c => c.Submission?.Status == ClaimSubmissionStatus.Pending).Min(c => c.Submission!.NextAttemptAt);

    /// <summary>Applies the outcome of attempt <paramref name="attempt"/> (1-based). <paramref name="jitter"/> in [0, 1) spreads the delay.</summary>
    public static SubmissionChange Report(VendorClaimState c, string supplierId, int attempt, ClaimSendOutcome outcome, DateTimeOffset now,
        ClaimSubmissionOptions options, double jitter)
    {
        if (c.Submission is not { Status: ClaimSubmissionStatus.Pending } sub || attempt != sub.Attempts + 1)
        {
            return SubmissionChange.Ignored;
        }

        sub.Attempts = attempt;
        sub.LastAttemptAt = now;
        sub.LastStatusCode = outcome.StatusCode;
        if (outcome.StatusCode is >= 200 and < 300)
        {
            sub.Status = ClaimSubmissionStatus.Delivered;
            sub.DeliveredAt = now;
            sub.NextAttemptAt = null;
            sub.LastError = null;
            c.History.Add(new ClaimHistoryEntry("vendor_claim.delivered", now, "system", $"The supplier accepted the claim on attempt {attempt} (HTTP {outcome.StatusCode})."));
            if (string.IsNullOrWhiteSpace(outcome.VendorRmaNumber) || c.Status != VendorClaimStatus.Submitted)
            {
                return SubmissionChange.Delivered;
            }

            c.Status = VendorClaimStatus.Acknowledged;
            c.VendorRmaNumber = outcome.VendorRmaNumber.Trim();
            c.History.Add(new ClaimHistoryEntry("vendor_claim.acknowledged", now, $"supplier:{supplierId}", $"Vendor RMA {c.VendorRmaNumber}."));
            return SubmissionChange.Acknowledged;
        }

        sub.LastError = outcome.Error ?? (outcome.StatusCode is { } code ? $"HTTP {code}" : "No answer.");
        if (IsPermanent(outcome.StatusCode))
        {
            Fail(c, $"The supplier refused the claim: {sub.LastError}", now);
            return SubmissionChange.Failed;
        }

        var inRound = attempt - sub.RoundStart;
        if (inRound >= options.MaxAttempts)
        {
            Fail(c, $"No success after {inRound} attempts; last: {sub.LastError}", now);
            return SubmissionChange.Failed;
        }

        sub.NextAttemptAt = now + Backoff(inRound, options, outcome.RetryAfter, jitter);
        return SubmissionChange.Retrying;
    }

    /// <summary>4xx other than 408 (timeout) and 429 (too many requests) will not get better by sending again.</summary>
    public static bool IsPermanent(int? statusCode) => statusCode is >= 400 and < 500 and not 408 and not 429;

    /// <summary>The delay after failed attempt <paramref name="attempt"/>: base × 2^(attempt-1) capped at the maximum, ±20 % jitter;
    /// never shorter than the supplier's Retry-After (itself capped at the maximum).</summary>
    public static TimeSpan Backoff(int attempt, ClaimSubmissionOptions options, TimeSpan? retryAfter, double jitter)
    {
        var exponential = options.RetryBase.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var delay = TimeSpan.FromMilliseconds(Math.Min(exponential, options.RetryMax.TotalMilliseconds) * (0.8 + 0.4 * jitter));
        if (retryAfter is { } wait && wait > delay)
        {
            delay = wait < options.RetryMax ? wait : options.RetryMax;
        }

        return delay;
    }

    /// <summary>The JSON claim document POSTed to the supplier (camelCase; see the README).</summary>
    public static string Document(VendorClaimState c, string tenantId, string supplierId) =>
        JsonSerializer.Serialize(new VendorClaimDocument(c.ClaimId, supplierId, tenantId, c.Currency,
            c.Lines.Select(l => new VendorClaimDocumentLine(l.RmaId, l.LineId, l.Sku, l.Quantity, l.UnitPrice.Amount, l.ReasonCode,
                l.ReasonClass.ToString(), l.Grade?.ToString(), l.ConditionNotes)).ToList(),
            c.ClaimedAmount, c.SubmittedAt ?? c.OpenedAt), JsonSerializerOptions.Web);

    private static void Fail(VendorClaimState c, string reason, DateTimeOffset now)
    {
        var sub = c.Submission!;
        sub.Status = ClaimSubmissionStatus.Failed;
        sub.NextAttemptAt = null;
        sub.LastError ??= reason;
        sub.Failures++;
        sub.FailureTaskCreated = false;
        c.History.Add(new ClaimHistoryEntry("vendor_claim.submission_failed", now, "system", reason));
    }
}

/// <summary>The claim document a supplier receives.</summary>
public sealed record VendorClaimDocument(string ClaimId, string SupplierId, string TenantId, string Currency, IReadOnlyList<VendorClaimDocumentLine> Lines,
    decimal ClaimedValue, DateTimeOffset SubmittedAt);

public sealed record VendorClaimDocumentLine(string RmaId, string LineId, string Sku, int Quantity, decimal UnitPrice, string ReasonCode,
    string ReasonClass, string? Grade, string? ConditionNotes);
