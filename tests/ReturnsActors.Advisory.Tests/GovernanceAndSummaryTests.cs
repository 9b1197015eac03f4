using ReturnsActors.Advisory;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory.Tests;

public sealed class GovernanceAndSummaryTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static Recommendation Rec(AdvisoryAction action, double confidence) => new(
        action, confidence,
        [new RecommendationReason(AdvisoryFeature.WarrantyMonthsLeft, "5", 0.41, "warranty months left 5 raised the case for replace by 41 points")],
        "adv-0123456789abcdef");

    private static readonly AdvisoryPolicy AutoApprove = new(new HashSet<AdvisoryAction> { AdvisoryAction.Approve, AdvisoryAction.Replace }, 0.85);

    [Fact]
    public void DefaultPolicy_IsAdvisoryOnly_EvenAtFullConfidence()
    {
        Assert.Equal(AdvisoryMode.Advisory, AdvisoryGovernance.Decide(AdvisoryPolicy.AdvisoryOnly, Rec(AdvisoryAction.Approve, 1.0)).Mode);
    }

    [Theory]
    [InlineData(AdvisoryAction.Approve, 0.90, AdvisoryMode.AutoApply)]
    [InlineData(AdvisoryAction.Replace, 0.85, AdvisoryMode.AutoApply)]
    [InlineData(AdvisoryAction.Approve, 0.84, AdvisoryMode.Advisory)]
    [InlineData(AdvisoryAction.Refund, 0.99, AdvisoryMode.Advisory)]
    [InlineData(AdvisoryAction.Decline, 0.99, AdvisoryMode.Advisory)]
    public void AutoApply_OnlyForListedActions_AtOrAboveTheThreshold(AdvisoryAction action, double confidence, AdvisoryMode expected)
    {
        Assert.Equal(expected, AdvisoryGovernance.Decide(AutoApprove, Rec(action, confidence)).Mode);
    }

    [Fact]
    public void ThresholdBelowTheAllowedMinimum_KeepsEverythingAdvisory()
    {
        var careless = AutoApprove with { MinConfidence = 0.2 };

        Assert.Equal(AdvisoryMode.Advisory, AdvisoryGovernance.Decide(careless, Rec(AdvisoryAction.Approve, 0.95)).Mode);
    }

    [Fact]
    public void Summary_IsDeterministic_AndNamesHistoryDeadlinesAndRecommendation()
    {
        var rma = Rma();
        var history = new[]
        {
            Event(2, "return.authorized", Now.AddHours(-20)),
            Event(1, "return.requested", Now.AddHours(-30)),
        };
        var recommendation = Rec(AdvisoryAction.Replace, 0.93);
        var decision = AdvisoryGovernance.Decide(AutoApprove, recommendation);

        var summary = CaseSummary.Summarize(rma, history, recommendation, decision, Now);

        Assert.Equal(summary, CaseSummary.Summarize(rma, [.. history.Reverse()], recommendation, decision, Now));
        Assert.Equal(
            """
            Return rma-1 for order ord-1 (web) is Authorized.
            Delivered 2026-03-01, requested 2026-03-09, policy v3.
            Lines (1):
            - 1 x SKU-9 (audio), 199.00 EUR each, reason defect (DOA), Accepted.
            History: 2 events, latest:
            - #1 return.requested by customer at 2026-03-09 06:00Z.
            - #2 return.authorized by customer at 2026-03-09 16:00Z.
            Open deadlines:
            - receive due 2026-03-09 12:00Z (overdue by 24 h).
            - ship due 2026-03-12 12:00Z (in 48 h).
            Recommendation: replace (93% confidence, model adv-0123456789abcdef); warranty months left 5 raised the case for replace by 41 points. Status: applied automatically (replace at confidence 0.93 >= 0.85).
            """.ReplaceLineEndings("\n"),
            summary);
    }

    private static RmaView Rma()
    {
        var line = new RmaLineView("l1", "ol1", "SKU-9", "audio", 1, [], new Money(199m, "EUR"), "DOA", ReasonClass.Defect,
            LineAcceptance.Accepted, default, default, 0, false, null, null, null, null, null, null);
        DeadlineView[] deadlines =
        [
            new("ship", Now.AddDays(-1), Now.AddDays(2), null, null, null),
            new("authorize", Now.AddDays(-2), Now.AddDays(-1), null, null, Now.AddHours(-20)),
            new("receive", Now.AddDays(-3), Now.AddDays(-1), Now.AddDays(-1), Now.AddDays(-1), null),
        ];
        return new RmaView("t1", "rma-1", "ord-1", "web", RmaStatus.Authorized, false, null, [line], deadlines, 3,
            Now.AddDays(-1), Now, Now.AddDays(-9), null, null, null, null, 2);
    }

    private static RmaEvent Event(long seq, string type, DateTimeOffset at) =>
        new(seq, type, at, "customer", $"c{seq}", 3, [], "{}", new string('0', 64), new string('0', 64));
}
