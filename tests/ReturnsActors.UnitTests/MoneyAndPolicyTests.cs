using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.UnitTests;

public class MoneyTests
{
    [Theory]
    [InlineData("0.125", "0.12")]
    [InlineData("0.135", "0.14")]
    [InlineData("2.675", "2.68")]
    [InlineData("-1.005", "-1.00")]
    [InlineData("19.999", "20.00")]
    public void Money_RoundsHalfToEvenAtTwoDecimals(string input, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            new Money(decimal.Parse(input, System.Globalization.CultureInfo.InvariantCulture), "eur").Amount);
    }

    [Fact]
    public void Money_OfDifferentCurrencies_CannotBeAdded()
    {
        Assert.Throws<InvalidOperationException>(() => new Money(1m, "EUR") + new Money(1m, "USD"));
    }

    [Fact]
    public void Money_Percent_IsRoundedOnce()
    {
        Assert.Equal(new Money(1.50m, "EUR"), new Money(14.99m, "EUR").Percent(10m));
    }
}

public class PolicyTests
{
    [Fact]
    public void DefaultPolicy_IsValid()
    {
        Assert.Empty(PolicyValidator.Validate(DefaultPolicy.Document));
    }

    [Fact]
    public void Validate_ReportsEveryBadFieldByPath()
    {
        var bad = DefaultPolicy.Document with
        {
            RestockingFeePercent = 120m,
            AutoApproveLimit = -1m,
            ReturnWindows = [new ReturnWindowRule("w1", null, null, 10), new ReturnWindowRule("w1", "web", null, -5)],
            FraudHoldRules = [new FraudHoldRule("f1")],
            GradeDeductions = [new GradeDeduction("d1", ItemGrade.C, 10m), new GradeDeduction("d2", ItemGrade.C, 20m)],
            Sla = new SlaHours { ShipHours = 0, WarningPercent = 100 },
            EscalationQueue = "Not A Queue",
        };

        var errors = PolicyValidator.Validate(bad);

        Assert.Equal(
            new[]
            {
                "autoApproveLimit", "escalationQueue", "fraudHoldRules[0]", "gradeDeductions[1].grade", "restockingFeePercent",
                "returnWindows[0]", "returnWindows[1].days", "returnWindows[1].id", "sla.shipHours", "sla.warningPercent",
            },
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("used more than once", errors["returnWindows[1].id"][0]);
    }

    [Fact]
    public void WindowFor_PrefersChannelAndCategoryOverCategoryOverChannel()
    {
        var policy = DefaultPolicy.Document with
        {
            ReturnWindows =
            [
                new ReturnWindowRule("channel", "web", null, 20),
                new ReturnWindowRule("category", null, "shoes", 60),
                new ReturnWindowRule("both", "web", "shoes", 90),
            ],
        };

        Assert.Equal((90, "both"), PolicyRules.WindowFor(policy, "web", "shoes"));
        Assert.Equal((60, "category"), PolicyRules.WindowFor(policy, "store", "shoes"));
        Assert.Equal((20, "channel"), PolicyRules.WindowFor(policy, "web", "hats"));
        Assert.Equal((30, "window.default"), PolicyRules.WindowFor(policy, "store", "hats"));
    }

    [Fact]
    public void DryRun_ReportsOnlyTheDecisionsThatChange()
    {
        var delivered = Fixtures.T0.AddDays(-20);
        RmaSnapshot[] snapshots =
        [
            new("RMA-A", "web", delivered, Fixtures.T0, [new RmaSnapshotLine("L1", "apparel", 1, new Money(40m, "EUR"), ReasonClass.Convenience, 0, ItemGrade.A)]),
            new("RMA-B", "web", Fixtures.T0.AddDays(-2), Fixtures.T0, [new RmaSnapshotLine("L1", "apparel", 1, new Money(40m, "EUR"), ReasonClass.Defect, 0)]),
        ];
        var draft = DefaultPolicy.Document with { DefaultReturnWindowDays = 14, RestockingFeePercent = 15m };

        var report = PolicyDryRun.Run(DefaultPolicy.Document, draft, snapshots);

        Assert.Equal(2, report.Evaluated);
        Assert.Equal(1, report.ChangedReturns);
        var eligibility = Assert.Single(report.Changes, c => c.Decision == "eligibility");
        Assert.Equal(("RMA-A", "eligible", "ineligible: window.default"), (eligibility.RmaId, eligibility.Before, eligibility.After));
        Assert.Contains(report.Changes, c => c is { RmaId: "RMA-A", Decision: "route", After: "-" });
        Assert.DoesNotContain(report.Changes, c => c.RmaId == "RMA-B");
    }

    [Fact]
    public void DryRun_OfTheSamePolicy_ChangesNothing()
    {
        var snapshot = new RmaSnapshot("RMA-A", "web", Fixtures.T0.AddDays(-2), Fixtures.T0,
            [new RmaSnapshotLine("L1", "electronics", 1, new Money(400m, "EUR"), ReasonClass.Convenience, 1, ItemGrade.B)]);

        Assert.Empty(PolicyDryRun.Run(DefaultPolicy.Document, DefaultPolicy.Document, [snapshot]).Changes);
    }

    [Fact]
    public void DryRun_WhenRestockingFeeChanges_ReportsTheRefundDifference()
    {
        var snapshot = new RmaSnapshot("RMA-A", "web", Fixtures.T0.AddDays(-2), Fixtures.T0,
            [new RmaSnapshotLine("L1", "apparel", 2, new Money(50m, "EUR"), ReasonClass.Convenience, 0)]);

        var change = Assert.Single(PolicyDryRun.Run(DefaultPolicy.Document, DefaultPolicy.Document with { RestockingFeePercent = 20m }, [snapshot]).Changes);

        Assert.Equal(("lines[L1].refund", "90.00 EUR", "80.00 EUR"), (change.Decision, change.Before, change.After));
    }
}
