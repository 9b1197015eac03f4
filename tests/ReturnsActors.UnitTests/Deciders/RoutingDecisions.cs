using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Warehouses;
using static ReturnsActors.UnitTests.Deciders.Spec;
using static ReturnsActors.UnitTests.Fixtures;

namespace ReturnsActors.UnitTests.Deciders;

public sealed class RoutingDecisions
{
    private static readonly ReturnRouted RoutedToWh1 = new("WH-1", null, 2, "cheapest", null);

    [Fact]
    public void GivenAnAuthorizedReturn_WhenRouted_ThenItGoesToTheChosenWarehouse_Once()
    {
        var given = Given(Requested(), Authorization());
        var decision = new RouteDecision("WH-1", ["route.cost"], "cheapest");

        Then(RmaMachine.RecordRoute(given, decision, T0, "route:2"), RoutedToWh1);
        Then(RmaMachine.RecordRoute(given, decision, T0, "route:3"));
        Assert.Equal("WH-1", given.WarehouseId);
    }

    [Fact]
    public void GivenARoutedReturn_WhenRebalanced_ThenItMovesToAnotherWarehouse()
    {
        var outcome = RmaMachine.Reroute(Given(Requested(), Authorization(), RoutedToWh1), new RerouteRma(NewId(), "ops:o", "WH-1", "over capacity"),
            new RouteDecision("WH-2", ["route.capacity"], "capacity left"), T0);

        Then(outcome, new ReturnRouted("WH-2", "WH-1", 2, "capacity left", "over capacity"));
        Assert.Equal(["route.capacity", "route.rebalance"], outcome.Events[0].RuleIds);
    }

    [Fact]
    public void GivenAReceivedReturn_WhenRebalanced_ThenItIsRefused_AndNothingChanges()
    {
        var given = Given(Requested(), Authorization(), RoutedToWh1, ReceivedInFull(TwoShirts));
        var before = FoldPropertyTests.DomainJson(given);

        var outcome = RmaMachine.Reroute(given, new RerouteRma(NewId(), "ops:o", "WH-1", "over capacity"), new RouteDecision("WH-2", [], "capacity left"), T0);

        Assert.Equal("rma.not_reroutable", outcome.Rejection?.Code);
        Assert.Empty(outcome.Events);
        Assert.Equal(before, FoldPropertyTests.DomainJson(given));
    }
}
