using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Suppliers;

namespace ReturnsActors.UnitTests;

/// <summary>The claim-submission outbox: opened with the submit, retried with capped exponential backoff, failed on a refusal
/// or after the last attempt, resubmitted with the same Idempotency-Key.</summary>
public class ClaimSubmissionTests
{
    private static readonly ClaimSubmissionOptions Options = new()
    {
        MaxAttempts = 4, RetryBase = TimeSpan.FromSeconds(10), RetryMax = TimeSpan.FromSeconds(60), AttemptLease = TimeSpan.FromMinutes(1),
    };

    private readonly FakeTimeProvider _time = new(Fixtures.T0);

    private (SupplierState Supplier, VendorClaimState Claim) Submitted(string? endpoint = "https://claims.example.com/in")
    {
        var s = new SupplierState();
        Assert.Null(ClaimBook.Register(s, new RegisterSupplier("Bosch", "EUR", null, 0, 48, endpoint, "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"), _time.GetUtcNow()));
        var claimId = ClaimBook.AddLine(s, "bosch", new ClaimLineInput("R1", "L1", "SKU-DRILL", 2, new Money(80m, "EUR"), "BROKEN", ReasonClass.Defect,
            ItemGrade.D, "motor burnt"), _time.GetUtcNow()).ClaimId!;
        var claim = s.Claims.Single(c => c.ClaimId == claimId);
        Assert.Null(Act(s, claim, "submit"));
        return (s, claim);
    }

    private Rejection? Act(SupplierState s, VendorClaimState c, string action, string? reference = null) =>
        ClaimBook.Act(s, c, new ClaimAction(Guid.NewGuid().ToString("N"), "finance:f", action, reference), _time.GetUtcNow(), out _);

    private SubmissionChange Report(VendorClaimState c, int? status, string? vendorRma = null, TimeSpan? retryAfter = null) =>
        ClaimSubmissions.Report(c, "bosch", c.Submission!.Attempts + 1, new ClaimSendOutcome(status, vendorRma, status is null ? "connection refused" : null, retryAfter),
            _time.GetUtcNow(), Options, jitter: 0.5);

    [Fact]
    public void Submit_WithAnEndpoint_OpensAPendingSubmission_DueAtOnce_InTheSameStateChange()
    {
        var (s, claim) = Submitted();

        Assert.Equal(VendorClaimStatus.Submitted, claim.Status);
        var sub = Assert.IsType<ClaimSubmissionState>(claim.Submission);
        Assert.Equal(ClaimSubmissionStatus.Pending, sub.Status);
        Assert.StartsWith("ra-claim-", sub.IdempotencyKey, StringComparison.Ordinal);
        Assert.Equal(_time.GetUtcNow(), sub.NextAttemptAt);
        Assert.Same(claim, Assert.Single(ClaimSubmissions.Due(s, _time.GetUtcNow())));
    }

    [Fact]
    public void Submit_WithoutAnEndpoint_SendsNothing_AsBefore()
    {
        var (s, claim) = Submitted(endpoint: null);

        Assert.Equal(VendorClaimStatus.Submitted, claim.Status);
        Assert.Null(claim.Submission);
        Assert.Empty(ClaimSubmissions.Due(s, _time.GetUtcNow()));
        Assert.Null(s.SigningSecret);
    }

    [Fact]
    public void FailedAttempts_BackOffExponentially_CappedAtTheMaximum_AndHonourRetryAfter()
    {
        var (_, claim) = Submitted();

        Assert.Equal(SubmissionChange.Retrying, Report(claim, 503));
        Assert.Equal(_time.GetUtcNow().AddSeconds(10), claim.Submission!.NextAttemptAt);
        Assert.Equal(SubmissionChange.Retrying, Report(claim, null));
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), claim.Submission.NextAttemptAt);
        Assert.Equal("connection refused", claim.Submission.LastError);
        Assert.Equal(SubmissionChange.Retrying, Report(claim, 429, retryAfter: TimeSpan.FromSeconds(45)));
        Assert.Equal(_time.GetUtcNow().AddSeconds(45), claim.Submission.NextAttemptAt);
        Assert.Equal(3, claim.Submission.Attempts);

        Assert.Equal(TimeSpan.FromSeconds(60), ClaimSubmissions.Backoff(9, Options, null, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(8), ClaimSubmissions.Backoff(1, Options, null, 0));
        Assert.Equal(TimeSpan.FromSeconds(60), ClaimSubmissions.Backoff(1, Options, TimeSpan.FromHours(5), 0.5));
    }

    [Fact]
    public void ASuccess_WithAVendorRmaNumber_AcknowledgesTheClaim_AsTheSupplier()
    {
        var (_, claim) = Submitted();
        Report(claim, 503);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(SubmissionChange.Acknowledged, Report(claim, 201, "BOSCH-RMA-77"));

        Assert.Equal(VendorClaimStatus.Acknowledged, claim.Status);
        Assert.Equal("BOSCH-RMA-77", claim.VendorRmaNumber);
        Assert.Equal(ClaimSubmissionStatus.Delivered, claim.Submission!.Status);
        Assert.Equal(2, claim.Submission.Attempts);
        Assert.Null(claim.Submission.NextAttemptAt);
        Assert.Contains(claim.History, h => h.Type == "vendor_claim.acknowledged" && h.Actor == "supplier:bosch");
    }

    [Fact]
    public void ASuccess_WithoutAReference_IsDelivered_AndTheClaimStaysSubmitted()
    {
        var (_, claim) = Submitted();

        Assert.Equal(SubmissionChange.Delivered, Report(claim, 200));

        Assert.Equal(VendorClaimStatus.Submitted, claim.Status);
        Assert.Equal(ClaimSubmissionStatus.Delivered, claim.Submission!.Status);
    }

    [Fact]
    public void ARefusal_FailsAtOnce_AndAResubmitTriesAgainWithTheSameKey()
    {
        var (s, claim) = Submitted();
        var key = claim.Submission!.IdempotencyKey;

        Assert.Equal(SubmissionChange.Failed, Report(claim, 422));
        Assert.Equal(ClaimSubmissionStatus.Failed, claim.Submission.Status);
        Assert.Equal(1, claim.Submission.Failures);
        Assert.False(claim.Submission.FailureTaskCreated);
        Assert.Empty(ClaimSubmissions.Due(s, _time.GetUtcNow().AddDays(1)));

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Null(Act(s, claim, "resubmit"));

        Assert.Equal(ClaimSubmissionStatus.Pending, claim.Submission.Status);
        Assert.Equal(key, claim.Submission.IdempotencyKey);
        Assert.Equal(1, claim.Submission.Attempts);
        Assert.Same(claim, Assert.Single(ClaimSubmissions.Due(s, _time.GetUtcNow())));
        Assert.Equal(SubmissionChange.Acknowledged, Report(claim, 200, "V-1"));
    }

    [Fact]
    public void ALateReportFromBeforeAResubmit_IsIgnored_AndTheNewRoundGetsItsOwnAttempts()
    {
        var (s, claim) = Submitted();
        for (var i = 1; i < Options.MaxAttempts; i++)
        {
            Assert.Equal(SubmissionChange.Retrying, Report(claim, 503));
        }

        Assert.Equal(SubmissionChange.Failed, Report(claim, 503));
        Assert.Null(Act(s, claim, "resubmit"));

        // Attempt 1 of the first round answers late (its lease had expired and it was sent again): it changes nothing now.
        var late = ClaimSubmissions.Report(claim, "bosch", 1, new ClaimSendOutcome(503, null, "HTTP 503", null), _time.GetUtcNow(), Options, jitter: 0.5);
        Assert.Equal(SubmissionChange.Ignored, late);
        Assert.Equal(Options.MaxAttempts, claim.Submission!.Attempts);

        // The new round has the full number of attempts again.
        for (var i = 1; i < Options.MaxAttempts; i++)
        {
            Assert.Equal(SubmissionChange.Retrying, Report(claim, 503));
        }

        Assert.Equal(SubmissionChange.Failed, Report(claim, 503));
        Assert.Equal(2 * Options.MaxAttempts, claim.Submission.Attempts);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public void TimeoutsThrottlingAndServerErrors_AreRetried_UntilTheLastAttempt(int status)
    {
        var (_, claim) = Submitted();

        for (var i = 1; i < Options.MaxAttempts; i++)
        {
            Assert.Equal(SubmissionChange.Retrying, Report(claim, status));
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(SubmissionChange.Failed, Report(claim, status));
        Assert.Equal(Options.MaxAttempts, claim.Submission!.Attempts);
        Assert.StartsWith($"HTTP {status}", claim.Submission.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void AStaleOrRepeatedReport_IsIgnored()
    {
        var (_, claim) = Submitted();
        Assert.Equal(SubmissionChange.Retrying, Report(claim, 503));

        var stale = ClaimSubmissions.Report(claim, "bosch", 1, new ClaimSendOutcome(200, "V-9", null), _time.GetUtcNow(), Options, 0.5);

        Assert.Equal(SubmissionChange.Ignored, stale);
        Assert.Equal(VendorClaimStatus.Submitted, claim.Status);
        Assert.Equal(ClaimSubmissionStatus.Pending, claim.Submission!.Status);
    }

    [Fact]
    public void AClaimAcknowledgedOrCancelledByHand_IsNotSentAnyMore_AndAResubmitIsRefused()
    {
        var (s, claim) = Submitted();

        Assert.Null(Act(s, claim, "acknowledge", "BY-PHONE-1"));

        Assert.Equal(ClaimSubmissionStatus.Withdrawn, claim.Submission!.Status);
        Assert.Empty(ClaimSubmissions.Due(s, _time.GetUtcNow()));
        Assert.Equal(RejectionKind.Conflict, Act(s, claim, "resubmit")!.Kind);
    }

    [Fact]
    public void RemovingTheEndpoint_FailsPendingSubmissions_AndDropsTheSecret()
    {
        var (s, claim) = Submitted();

        Assert.Null(ClaimBook.Register(s, new RegisterSupplier("Bosch", "EUR", null, 0, 48), _time.GetUtcNow()));

        Assert.Equal(ClaimSubmissionStatus.Failed, claim.Submission!.Status);
        Assert.Null(s.SigningSecret);
        Assert.Equal("claim.no_endpoint", Act(s, claim, "resubmit")!.Code);
    }

    [Fact]
    public void TheDocument_CarriesTheClaim_Lines_Value_AndSubmissionTime()
    {
        var (_, claim) = Submitted();

        var json = JsonNode.Parse(ClaimSubmissions.Document(claim, "acme", "bosch"))!;

        Assert.Equal(claim.ClaimId, json["claimId"]!.GetValue<string>());
        Assert.Equal("bosch", json["supplierId"]!.GetValue<string>());
        Assert.Equal("acme", json["tenantId"]!.GetValue<string>());
        Assert.Equal("EUR", json["currency"]!.GetValue<string>());
        Assert.Equal(160m, json["claimedValue"]!.GetValue<decimal>());
        Assert.Equal(_time.GetUtcNow(), json["submittedAt"]!.GetValue<DateTimeOffset>());
        var line = json["lines"]![0]!;
        Assert.Equal("R1", line["rmaId"]!.GetValue<string>());
        Assert.Equal("L1", line["lineId"]!.GetValue<string>());
        Assert.Equal("SKU-DRILL", line["sku"]!.GetValue<string>());
        Assert.Equal(2, line["quantity"]!.GetValue<int>());
        Assert.Equal(80m, line["unitPrice"]!.GetValue<decimal>());
        Assert.Equal("BROKEN", line["reasonCode"]!.GetValue<string>());
        Assert.Equal("Defect", line["reasonClass"]!.GetValue<string>());
        Assert.Equal("D", line["grade"]!.GetValue<string>());
        Assert.Equal("motor burnt", line["conditionNotes"]!.GetValue<string>());
    }
}
