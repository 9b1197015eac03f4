using ReturnsActors.Grains;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests;

public class EligibilityTests
{
    [Fact]
    public void Create_WithinWindowAndUnderAutoApproveLimit_IsAuthorizedAtOnce()
    {
        var (state, outcome) = Create([Shirts()]);

        Assert.Null(outcome.Rejection);
        Assert.Equal(RmaStatus.Authorized, state.Status);
        Assert.Equal(["return.requested", "return.authorized"], outcome.Events.Types());
        Assert.Contains("auto_approve.within_limit", outcome.Events[1].RuleIds);
        Assert.All(state.Lines, l => Assert.Equal(LineAcceptance.Accepted, l.Acceptance));
        Assert.Equal(new Money(19.95m, "EUR"), state.Lines[0].UnitPrice);
    }

    [Fact]
    public void Create_WhenOutsideReturnWindow_IsRejected()
    {
        // Electronics have a 14-day window in the default policy; apparel 30.
        var (state, outcome) = Create([Headphones(), Shirts()], order: Order(deliveredDaysAgo: 20));

        Assert.Equal(RejectionKind.Invalid, outcome.Rejection?.Kind);
        Assert.Equal("rma.ineligible", outcome.Rejection?.Code);
        Assert.Contains("window.electronics", Assert.Single(outcome.Rejection!.Errors!["lines[0]"]));
        Assert.False(outcome.Rejection.Errors!.ContainsKey("lines[1]"));
        Assert.False(state.Created);
        Assert.Empty(outcome.Events);
    }

    [Fact]
    public void Create_ThroughChannelWithShorterWindow_UsesTheChannelRule()
    {
        var (_, outcome) = Create([Shirts()], order: Order(channel: "marketplace", deliveredDaysAgo: 20));

        Assert.Contains("window.marketplace", outcome.Rejection!.Errors!["lines[0]"][0]);
    }

    [Fact]
    public void Create_ForNonReturnableCategory_IsRejected()
    {
        var (_, outcome) = Create([new RequestedLine("3", 1, "unwanted", ReasonClass.Convenience)]);

        Assert.Contains("non_returnable", outcome.Rejection!.Errors!["lines[0]"][0]);
    }

    [Fact]
    public void Create_WhenOrderLineAlreadyReturnedByAnotherRma_IsRejected()
    {
        var (_, outcome) = Create([Shirts(2)], returned: new Dictionary<string, int> { ["2"] = 2 });

        var error = Assert.Single(outcome.Rejection!.Errors!["lines[0].quantity"]);
        Assert.Contains("already returned 2; at most 1 more", error);
    }

    [Fact]
    public void Create_WithRemainingQuantity_IsAccepted()
    {
        var (state, outcome) = Create([Shirts(1)], returned: new Dictionary<string, int> { ["2"] = 2 });

        Assert.Null(outcome.Rejection);
        Assert.Equal(1, state.Lines[0].Quantity);
    }

    [Fact]
    public void Create_ForSerialRequiredCategoryWithoutSerial_IsRejected()
    {
        var (_, outcome) = Create([new RequestedLine("1", 1, "defect", ReasonClass.Defect)]);

        Assert.Contains("serial_required", outcome.Rejection!.Errors!["lines[0]"][0]);
    }

    [Fact]
    public void Create_WithSerialThatWasNotShipped_IsRejected()
    {
        var (_, outcome) = Create([Headphones(ReasonClass.Defect, "SN-FAKE")]);

        Assert.Contains("serial_on_order", outcome.Rejection!.Errors!["lines[0].serialNumbers"][0]);
    }

    [Fact]
    public void Create_ForUnknownOrderLineOrZeroQuantity_ReportsFieldErrors()
    {
        var (_, outcome) = Create([new RequestedLine("99", 1, "x", ReasonClass.Defect), new RequestedLine("2", 0, "x", ReasonClass.Defect)]);

        Assert.True(outcome.Rejection!.Errors!.ContainsKey("lines[0].orderLineId"));
        Assert.True(outcome.Rejection.Errors.ContainsKey("lines[1].quantity"));
    }

    [Fact]
    public void Create_WhenOrderDoesNotExist_IsRejected()
    {
        var state = new RmaState();
        var outcome = RmaMachine.Create(state, new CreateRma("c", "customer:c", "NOPE", [Shirts()]),
            new CreateRmaContext("demo", "RMA-1", null, new Dictionary<string, int>(), DefaultPolicy.Document, T0));

        Assert.Equal("order.not_found", outcome.Rejection?.Code);
    }

    [Fact]
    public void Create_AboveAutoApproveLimit_GoesToReviewWithTask()
    {
        var (state, outcome) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])]);

        Assert.Equal(RmaStatus.UnderReview, state.Status);
        Assert.Equal(["return.requested", "return.flagged", "task.created"], outcome.Events.Types());
        Assert.Contains("\"queue\":\"review\"", outcome.Events[2].DataJson);
        Assert.Contains("auto_approve.limit_exceeded", outcome.Events[1].RuleIds);
        Assert.Equal(LineAcceptance.ManualReview, state.Lines[0].Acceptance);
        Assert.Contains(state.Deadlines, d => d.Stage == RmaMachine.StageAuthorize && d.DueAt == T0.AddHours(24));
    }

    [Fact]
    public void Create_WithFraudSignalWithinTheAutoApproveLimit_IsAuthorizedButHeld_AndRoutedToFraudQueue()
    {
        var (state, outcome) = Create([Shirts()], fraudSignal: true);

        Assert.True(state.OnHold);
        Assert.Equal(RmaMachine.HoldFraudCheck, state.HoldReason);
        Assert.Equal(RmaStatus.Authorized, state.Status);
        Assert.Contains("fraud.signal", outcome.Events.Single(e => e.Type == "return.hold_placed").RuleIds);
        var task = outcome.Events.Single(e => e.Type == "task.created");
        Assert.Contains("\"queue\":\"fraud\"", task.DataJson);
        Assert.Contains("\"kind\":\"fraud_hold\"", task.DataJson);
        Assert.Contains("fraud.signal", task.RuleIds);
    }

    [Fact]
    public void Create_WithFraudSignalAboveTheAutoApproveLimit_WaitsForTheFraudDesk()
    {
        var (state, outcome) = Create([new RequestedLine("4", 1, "defect", ReasonClass.Defect, ["SN-TV-1"])], fraudSignal: true);

        Assert.True(state.OnHold);
        Assert.Equal(RmaStatus.UnderReview, state.Status);
        Assert.Contains("\"queue\":\"fraud\"", outcome.Events.Single(e => e.Type == "task.created").DataJson);
    }

    [Fact]
    public void Create_RecordsPolicyVersionOnEveryEvent()
    {
        var policy = DefaultPolicy.Document with { Version = 7 };
        var (_, outcome) = Create([Shirts()], policy: policy);

        Assert.All(outcome.Events, e => Assert.Equal(7, e.PolicyVersion));
        Assert.Contains("window.default", outcome.Events[0].RuleIds);
    }
}
