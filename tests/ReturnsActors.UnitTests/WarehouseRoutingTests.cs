using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.UnitTests;

public class WarehouseRoutingTests
{
    private static WarehouseSummary Warehouse(string id, decimal cost = 1m, int capacity = 100, int open = 0, string[]? regions = null,
        string[]? categories = null, bool grading = true) =>
        new(id, regions ?? ["DE"], categories ?? ["apparel", "electronics"], grading, false, capacity, cost, open);

    private static RouteRequest Request(string? region = "DE", int units = 1, bool grading = false, params string[] categories) =>
        new(region, categories.Length == 0 ? ["apparel"] : categories, units, grading);

    [Fact]
    public void Route_AmongEligibleWarehouses_PicksTheCheapestAndRecordsTheRules()
    {
        var decision = WarehouseRouting.Choose([Warehouse("wh-a", cost: 2.5m), Warehouse("wh-b", cost: 1.2m)], Request());

        Assert.Equal("wh-b", decision.WarehouseId);
        Assert.Equal(["route.region", "route.category", "route.capacity", "route.cost"], decision.RuleIds);
        Assert.Contains("cheapest of 2 eligible", decision.Reason);
    }

    [Fact]
    public void Route_SkipsWarehousesOfOtherRegionsAndCategories()
    {
        var decision = WarehouseRouting.Choose(
        [
            Warehouse("wh-fr", cost: 0.5m, regions: ["FR"]),
            Warehouse("wh-apparel", cost: 0.6m, categories: ["apparel"]),
            Warehouse("wh-all", cost: 3m, categories: ["*"]),
        ], Request("DE", 1, false, "apparel", "electronics"));

        Assert.Equal("wh-all", decision.WarehouseId);
        Assert.Contains("wh-fr (does not serve DE)", decision.Reason);
        Assert.Contains("wh-apparel (does not handle electronics)", decision.Reason);
    }

    [Fact]
    public void Route_OverCapacityWarehouse_TakesNoNewReturns()
    {
        var full = Warehouse("wh-full", cost: 0.1m, capacity: 10, open: 10);
        var almost = Warehouse("wh-almost", cost: 0.2m, capacity: 10, open: 8);
        var spare = Warehouse("wh-spare", cost: 5m, capacity: 10, open: 0);

        Assert.Equal("wh-almost", WarehouseRouting.Choose([full, almost, spare], Request(units: 2)).WarehouseId);
        Assert.Equal("wh-spare", WarehouseRouting.Choose([full, almost, spare], Request(units: 3)).WarehouseId);
    }

    [Fact]
    public void Route_WhenNothingQualifies_IsUnroutableWithTheRulesThatExcluded()
    {
        var decision = WarehouseRouting.Choose([Warehouse("wh-full", capacity: 1, open: 1), Warehouse("wh-nograde", grading: false)],
            Request(grading: true));

        Assert.Null(decision.WarehouseId);
        Assert.Equal(["route.capacity", "route.grading"], decision.RuleIds);
    }

    [Fact]
    public void Route_DefectReturn_NeedsAWarehouseThatGrades()
    {
        var decision = WarehouseRouting.Choose([Warehouse("wh-cheap", cost: 0.1m, grading: false), Warehouse("wh-grades", cost: 2m)], Request(grading: true));

        Assert.Equal("wh-grades", decision.WarehouseId);
        Assert.Contains("route.grading", decision.RuleIds);
    }

    [Fact]
    public void Route_ExcludedWarehouse_IsNotChosenEvenWhenCheapest()
    {
        var decision = WarehouseRouting.Choose([Warehouse("wh-a", cost: 0.1m), Warehouse("wh-b", cost: 9m)], Request() with { ExcludeWarehouseId = "wh-a" });

        Assert.Equal("wh-b", decision.WarehouseId);
    }

    [Fact]
    public void Book_ReportsAppliedTwice_CountOnce()
    {
        var s = new WarehouseState();
        WarehouseBook.Register(s, new RegisterWarehouse("Main", ["DE"], ["*"], true, false, 10, 1m));
        var t = Fixtures.T0;
        WarehouseReportItem[] reports =
        [
            new("R1", 5, WarehouseReportKind.Routed, 2, t),
            new("R1", 9, WarehouseReportKind.Received, 2, t.AddHours(1)),
            new("R1", 10, WarehouseReportKind.Inspected, 2, t.AddHours(2), "L1", ItemGrade.B),
        ];

        Assert.Equal(3, WarehouseBook.Apply(s, reports));
        Assert.Equal(0, WarehouseBook.Apply(s, reports));

        var figures = WarehouseBook.View(s, "t", "main", t.AddHours(3)).Figures;
        Assert.Equal(2, figures.ReceivedUnits);
        Assert.Equal(0, figures.BacklogUnits);
        Assert.Equal(0, figures.ExpectedInboundUnits);
        Assert.Equal(1, figures.FirstPassGrades["B"]);
    }

    [Fact]
    public void Book_Backlog_WarnsThenBreachesByDepthAndByAge()
    {
        var s = new WarehouseState();
        WarehouseBook.Register(s, new RegisterWarehouse("Main", [], [], true, false, 100, 1m, BacklogWarningUnits: 3, BacklogBreachUnits: 5,
            BacklogWarningHours: 4, BacklogBreachHours: 8));
        var t = Fixtures.T0;

        WarehouseBook.Apply(s, [new WarehouseReportItem("R1", 1, WarehouseReportKind.Received, 1, t)]);
        Assert.Null(WarehouseBook.Evaluate(s, t));

        WarehouseBook.Apply(s, [new WarehouseReportItem("R2", 1, WarehouseReportKind.Received, 2, t)]);
        Assert.Equal("warehouse.backlog_warning", WarehouseBook.Evaluate(s, t)?.Type);
        Assert.Null(WarehouseBook.Evaluate(s, t)); // same level, no second event

        Assert.Equal("warehouse.backlog_breached", WarehouseBook.Evaluate(s, t.AddHours(8))?.Type); // 3 units, but 8 hours old

        WarehouseBook.Apply(s, [new WarehouseReportItem("R1", 2, WarehouseReportKind.Inspected, 1, t.AddHours(9), "L1", ItemGrade.A),
            new WarehouseReportItem("R2", 2, WarehouseReportKind.Inspected, 2, t.AddHours(9), "L1", ItemGrade.D)]);
        Assert.Equal("warehouse.backlog_cleared", WarehouseBook.Evaluate(s, t.AddHours(9))?.Type);
        Assert.Equal(BacklogLevel.Normal, s.BacklogLevel);
    }

    [Fact]
    public void Book_PlanRebalance_MovesNewestExpectedReturnsUntilWithinCapacity()
    {
        var s = new WarehouseState();
        WarehouseBook.Register(s, new RegisterWarehouse("Main", [], [], true, false, 3, 1m));
        var t = Fixtures.T0;
        WarehouseBook.Apply(s,
        [
            new WarehouseReportItem("R1", 1, WarehouseReportKind.Routed, 2, t),
            new WarehouseReportItem("R2", 1, WarehouseReportKind.Routed, 2, t.AddMinutes(1)),
            new WarehouseReportItem("R3", 1, WarehouseReportKind.Routed, 1, t.AddMinutes(2)),
            new WarehouseReportItem("R1", 2, WarehouseReportKind.Received, 2, t.AddMinutes(3)),
        ]);

        // Open: 2 received + 2 + 1 expected = 5 of 3; moving R3 (1) then R2 (2) brings it to 2. R1 is already here.
        Assert.Equal(["R3", "R2"], WarehouseBook.PlanRebalance(s, 10));
        Assert.Equal(["R3"], WarehouseBook.PlanRebalance(s, 1));
    }
}
