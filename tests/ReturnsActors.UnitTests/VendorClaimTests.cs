using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Suppliers;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.UnitTests;

public class VendorClaimTests
{
    private static readonly DateTimeOffset T0 = Fixtures.T0;

    private static SupplierState Supplier(decimal? cap = null, int windowDays = 7)
    {
        var s = new SupplierState();
        Assert.Null(ClaimBook.Register(s, new RegisterSupplier("Acme Audio", "EUR", cap, windowDays, AckSlaHours: 48), T0));
        return s;
    }

    private static ClaimLineInput Line(string rma, string line = "L1", int qty = 1, decimal price = 100m, ReasonClass reason = ReasonClass.Defect) =>
        new(rma, line, "SKU-HP", qty, new Money(price, "EUR"), "broken", reason, ItemGrade.D, "no sound");

    private static VendorClaimState Act(SupplierState s, string claimId, string action, DateTimeOffset at, string? reference = null, decimal? amount = null, string? reason = null)
    {
        var claim = s.Claims.Single(c => c.ClaimId == claimId);
        var rejection = ClaimBook.Act(s, claim, new ClaimAction(Guid.NewGuid().ToString("N"), "finance:f", action, reference, amount, reason), at, out _);
        Assert.True(rejection is null, rejection?.Detail);
        return claim;
    }

    private static Rejection? Try(SupplierState s, string claimId, string action, DateTimeOffset at, string? reference = null, decimal? amount = null, string? reason = null) =>
        ClaimBook.Act(s, s.Claims.Single(c => c.ClaimId == claimId), new ClaimAction(Guid.NewGuid().ToString("N"), "finance:f", action, reference, amount, reason), at, out _);

    [Fact]
    public void Lines_WithinTheWindow_AreConsolidatedIntoOneDraft_AndANewWindowOpensAnother()
    {
        var s = Supplier(windowDays: 7);
        var first = ClaimBook.AddLine(s, "acme", Line("R1"), T0);
        var second = ClaimBook.AddLine(s, "acme", Line("R2"), T0.AddDays(6));
        var third = ClaimBook.AddLine(s, "acme", Line("R3"), T0.AddDays(7).AddMinutes(1));

        Assert.Equal("acme-0001", first.ClaimId);
        Assert.Equal(first.ClaimId, second.ClaimId);
        Assert.Equal("acme-0002", third.ClaimId);
        Assert.Equal(200m, s.Claims[0].ClaimedAmount);
    }

    [Fact]
    public void ALine_IsClaimedOnce_EvenWhenReportedAgain()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1", qty: 2), T0);
        var again = ClaimBook.AddLine(s, "acme", Line("R1", qty: 2), T0.AddHours(1));

        Assert.Equal("acme-0001", again.ClaimId);
        Assert.Single(s.Claims);
        Assert.Single(s.Claims[0].Lines);
        Assert.Equal(200m, s.Claims[0].ClaimedAmount);
    }

    [Fact]
    public void ConvenienceReturns_AreNotClaimable()
    {
        var outcome = ClaimBook.AddLine(Supplier(), "acme", Line("R1", reason: ReasonClass.Convenience), T0);

        Assert.Null(outcome.ClaimId);
        Assert.Equal("claim.not_claimable", outcome.Rejection?.Code);
    }

    [Fact]
    public void Claim_FromSubmitToCredited_WithAPartialCredit_GivesTheRecoveryRate()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1", qty: 2, price: 150m), T0);
        var claim = Act(s, "acme-0001", "submit", T0.AddDays(1));
        Assert.Equal(T0.AddDays(1).AddHours(48), claim.AckDueAt);
        Assert.Equal("claim.vendor_rma_required", Try(s, "acme-0001", "acknowledge", T0.AddDays(2))?.Code);
        Act(s, "acme-0001", "acknowledge", T0.AddDays(2), reference: "V-RMA-77");
        Act(s, "acme-0001", "ship", T0.AddDays(3), reference: "1Z1");
        Assert.Equal(VendorClaimStatus.PartiallyCredited, Act(s, "acme-0001", "credit", T0.AddDays(10), amount: 100m).Status);
        Assert.Equal("claim.credit_amount", Try(s, "acme-0001", "credit", T0.AddDays(11), amount: 250m)?.Code);

        var half = ClaimBook.Figures(s, T0.AddDays(11));
        Assert.Equal(0.3333m, half.RecoveryRate);
        Assert.Equal(new Money(200m, "EUR"), half.OutstandingValue);

        Assert.Equal(VendorClaimStatus.Credited, Act(s, "acme-0001", "credit", T0.AddDays(12), amount: 200m).Status);
        var figures = ClaimBook.Figures(s, T0.AddDays(12));
        Assert.Equal(1m, figures.RecoveryRate);
        Assert.Equal(new Money(300m, "EUR"), figures.ClaimedValue);
        Assert.Equal(0, figures.OpenClaims);
    }

    [Fact]
    public void IllegalSteps_AreRefusedWithoutChange()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1"), T0);

        Assert.Equal("claim.illegal_transition", Try(s, "acme-0001", "acknowledge", T0, reference: "V1")?.Code);
        Assert.Equal("claim.illegal_transition", Try(s, "acme-0001", "credit", T0, amount: 1m)?.Code);
        Assert.Equal(VendorClaimStatus.Draft, s.Claims[0].Status);
    }

    [Fact]
    public void Submit_OverTheYearlyAllowance_IsRefused()
    {
        var s = Supplier(cap: 250m);
        ClaimBook.AddLine(s, "acme", Line("R1", price: 200m), T0);
        Act(s, "acme-0001", "submit", T0);
        ClaimBook.AddLine(s, "acme", Line("R2", price: 100m), T0.AddDays(8));

        var refused = Try(s, "acme-0002", "submit", T0.AddDays(8));

        Assert.Equal("claim.allowance_exceeded", refused?.Code);
        Assert.Equal(RejectionKind.Conflict, refused?.Kind);
        Assert.Equal(new Money(50m, "EUR"), ClaimBook.Figures(s, T0.AddDays(8)).AllowanceRemaining);
    }

    [Fact]
    public void RejectedClaim_CanBeDisputedAndWon_OrWrittenOff()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1", price: 80m), T0);
        Act(s, "acme-0001", "submit", T0);
        Act(s, "acme-0001", "reject", T0.AddDays(1), reason: "no defect found");
        Assert.Equal("claim.illegal_transition", Try(s, "acme-0001", "credit", T0.AddDays(2), amount: 80m)?.Code);
        Assert.Equal("claim.reason_required", Try(s, "acme-0001", "dispute", T0.AddDays(2))?.Code);
        Act(s, "acme-0001", "dispute", T0.AddDays(2), reason: "photos show the defect");
        Assert.Equal(1, ClaimBook.Figures(s, T0.AddDays(2)).OpenClaims);
        Assert.Equal(VendorClaimStatus.Credited, Act(s, "acme-0001", "credit", T0.AddDays(5), amount: 80m).Status);

        ClaimBook.AddLine(s, "acme", Line("R2", price: 40m), T0.AddDays(9));
        Act(s, "acme-0002", "submit", T0.AddDays(9));
        Act(s, "acme-0002", "reject", T0.AddDays(10));
        Assert.Equal(VendorClaimStatus.WrittenOff, Act(s, "acme-0002", "write-off", T0.AddDays(11)).Status);
        var figures = ClaimBook.Figures(s, T0.AddDays(11));
        Assert.Equal(new Money(40m, "EUR"), figures.WrittenOffValue);
        Assert.Equal(0.6667m, figures.RecoveryRate); // 80 of 120
    }

    [Fact]
    public void ALineInAnotherCurrencyThanTheSuppliers_IsNotMixedIntoItsClaims()
    {
        var s = Supplier();
        var outcome = ClaimBook.AddLine(s, "acme", Line("R1") with { UnitPrice = new Money(100m, "USD") }, T0);

        Assert.Equal("claim.currency", outcome.Rejection?.Code);
        Assert.Empty(s.Claims);
    }

    [Fact]
    public void CancelledClaim_ReleasesItsLines()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1"), T0);
        Act(s, "acme-0001", "cancel", T0);

        var again = ClaimBook.AddLine(s, "acme", Line("R1"), T0.AddHours(1));

        Assert.Equal("acme-0002", again.ClaimId);
    }

    [Fact]
    public void ARepeatedCommandId_IsANoOp()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1"), T0);
        var claim = s.Claims[0];
        var cmd = new ClaimAction("cmd-1", "f", "submit");
        Assert.Null(ClaimBook.Act(s, claim, cmd, T0, out var first));
        Assert.Null(ClaimBook.Act(s, claim, cmd, T0.AddHours(1), out var second));

        Assert.False(first);
        Assert.True(second);
        Assert.Equal(T0, claim.SubmittedAt);
        Assert.Single(claim.History, h => h.Type == "vendor_claim.submitted" && h.Actor == "f");
    }

    [Fact]
    public void OverdueAcknowledgement_IsEscalatedOnce()
    {
        var s = Supplier();
        ClaimBook.AddLine(s, "acme", Line("R1"), T0);
        Act(s, "acme-0001", "submit", T0);

        Assert.Empty(ClaimBook.Escalate(s, T0.AddHours(47)));
        Assert.Single(ClaimBook.Escalate(s, T0.AddHours(48)));
        Assert.Empty(ClaimBook.Escalate(s, T0.AddHours(49)));
        Assert.Null(ClaimBook.NextAckDue(s));
    }
}

public class RmaRoutingTests
{
    [Fact]
    public void Routing_RecordsReturnRoutedWithTheRules_AndTheViewShowsTheWarehouse()
    {
        var state = Fixtures.Authorized();
        var decision = WarehouseRouting.Choose([new WarehouseSummary("wh-1", [], [], true, false, 10, 1m, 0)], RmaMachine.ToRouteRequest(state));

        var outcome = RmaMachine.RecordRoute(state, decision, Fixtures.T0, "route:1");
        var again = RmaMachine.RecordRoute(state, decision, Fixtures.T0, "route:1");

        var routed = Assert.Single(outcome.Events);
        Assert.Equal("return.routed", routed.Type);
        Assert.Contains("route.capacity", routed.RuleIds);
        Assert.Contains("\"warehouse\":\"wh-1\"", routed.DataJson);
        Assert.Empty(again.Events);
        Assert.Equal("wh-1", RmaMachine.ToView(state).WarehouseId);
    }

    [Fact]
    public void Receipt_AtAnotherDockThanRouted_MovesTheReturnToThatWarehouse()
    {
        var state = Fixtures.Authorized();
        RmaMachine.RecordRoute(state, new RouteDecision("wh-1", ["route.cost"], "cheapest"), Fixtures.T0, "route:1");

        var outcome = Fixtures.Ok(state, new RecordReceipt(Fixtures.NewId(), "warehouse:w", [new ReceivedLine("L1", 2)], Warehouse: "wh-2"));

        Assert.Equal("wh-2", RmaMachine.ToView(state).WarehouseId);
        Assert.Contains("\"previousWarehouse\":\"wh-1\"", outcome.Events.Single(e => e.Type == "receipt.recorded").DataJson);
    }

    [Fact]
    public void Reroute_AfterGoodsArrived_IsRefused()
    {
        var state = Fixtures.Received();
        state.WarehouseId = "wh-1";
        var decision = new RouteDecision("wh-2", ["route.cost"], "cheaper");

        var outcome = RmaMachine.Reroute(state, new RerouteRma("c1", "ops", "wh-1", "rebalance"), decision, Fixtures.T0.AddHours(2));

        Assert.Equal("rma.not_reroutable", outcome.Rejection?.Code);
        Assert.Equal("wh-1", state.WarehouseId);
    }
}
