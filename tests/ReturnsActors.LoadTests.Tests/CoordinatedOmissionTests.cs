using System.Text.Json;
using ReturnsActors.LoadTests.Config;
using ReturnsActors.LoadTests.Harness;
using ReturnsActors.LoadTests.Scenarios;

namespace ReturnsActors.LoadTests.Tests;

[Trait("Category", "Slow")]
public sealed class CoordinatedOmissionTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    [Fact]
    public async Task OpenModel_AgainstAServerThatStallsOnce_ShowsTheStallAndOmitsNoRequest()
    {
        // One connection: requests due during the stall queue behind it, as they would on a saturated system.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = server.BaseAddress };
        var settings = JsonSerializer.SerializeToElement(new { path = "stall-once/co" });
        var scenario = new HttpNoopScenario()
            .Create(new ScenarioFactoryContext("co", new TargetConfig(), http, settings))
            .WithLoadSimulations(new LoadSimulation.Inject(50, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));

        var result = (await new LoadTestRunner([scenario]).RunAsync()).Scenarios[0];

        var stallMs = LoopbackServer.Stall.TotalMilliseconds;
        Assert.Equal(100, result.Stats.Requests);
        Assert.Equal(100, result.Stats.Ok);
        Assert.True(result.Stats.Latency!.MaxMs >= stallMs, $"max {result.Stats.Latency.MaxMs} ms should include the {stallMs} ms stall");

        // Measured from the intended start, every request due during the first half of the stall
        // waited at least half the stall: well over 5 % of the run, so p95 shows it too.
        Assert.True(result.Stats.Latency.P95Ms >= stallMs / 2, $"p95 {result.Stats.Latency.P95Ms} ms should reflect queueing behind the stall");
        Assert.Contains(result.Stats.Series, point => point.P99Ms >= stallMs / 2);
    }
}
