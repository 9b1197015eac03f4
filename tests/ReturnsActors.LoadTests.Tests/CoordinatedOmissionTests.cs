using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ReturnsActors.LoadTests.Config;
using ReturnsActors.LoadTests.Harness;
using ReturnsActors.LoadTests.Scenarios;

namespace ReturnsActors.LoadTests.Tests;

[Trait("Category", "Slow")]
public sealed class CoordinatedOmissionTests(LoopbackServer server) : IClassFixture<LoopbackServer>
{
    [Fact]
    public async Task OpenModel_WhenTheGeneratorItselfStalls_MeasuresFromTheIntendedStart()
    {
        // The step is instant, so any latency seen comes from starting late: measured from the actual
        // start it would be ~0 ms; measured from the schedule tick it shows the generator's stall.
        var time = new FakeTimeProvider();
        var invocations = 0;
        var scenario = Scenario.Create("frozen", new Step("instant", _ =>
            {
                Interlocked.Increment(ref invocations);
                return Task.FromResult(StepResult.Ok());
            }))
            .WithLoadSimulations(new LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
        var run = new LoadTestRunner([scenario], time: time).RunAsync();

        // Run normally until the first request went out, then freeze the generator for 500 ms in one
        // jump (as a GC pause would), then run on until the scenario ends. Every loop is bounded.
        for (var i = 0; i < 1_000 && Volatile.Read(ref invocations) == 0; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            await Task.Delay(1);
        }

        Assert.True(Volatile.Read(ref invocations) > 0, "the scheduler never started");
        time.Advance(TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < 3_000 && !run.IsCompleted; i++)
        {
            await Task.Delay(1);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var result = (await run.WaitAsync(TimeSpan.FromSeconds(30))).Scenarios[0];

        foreach (var stats in new[] { result.Stats, result.Steps[0] })
        {
            Assert.Equal(40, stats.Requests);
            Assert.Equal(40, stats.Ok);
            Assert.True(stats.Latency!.MaxMs >= 450, $"{stats.Step}: max {stats.Latency.MaxMs} ms should show the 500 ms stall");

            // About ten requests fell due during the stall; at least four of them waited 200 ms or more.
            Assert.True(stats.Latency.P95Ms >= 200, $"{stats.Step}: p95 {stats.Latency.P95Ms} ms should show the late requests");
        }
    }

    [Fact]
    public async Task OpenModel_AgainstAServerThatStallsOnce_ShowsTheStallAndOmitsNoRequest()
    {
        // One connection: requests due during the stall queue behind it, as they would on a saturated
        // system. The schedule keeps going (no request is omitted) and the stall shows in the latency.
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
