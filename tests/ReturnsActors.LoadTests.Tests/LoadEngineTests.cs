using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Tests;

[Trait("Category", "Slow")]
public sealed class LoadEngineTests
{
    private static Step Delay(string name, TimeSpan delay, Action? onRun = null) => new(name, async context =>
    {
        onRun?.Invoke();
        await Task.Delay(delay, context.CancellationToken);
        return StepResult.Ok("200", 1);
    });

    private static async Task<ScenarioResult> RunAsync(Scenario scenario)
    {
        var result = await new LoadTestRunner([scenario]).RunAsync();
        return Assert.Single(result.Scenarios);
    }

    [Fact]
    public async Task OpenModel_StartsExactlyRateTimesDuration_AndExcludesWarmUp()
    {
        var invocations = 0;
        var scenario = Scenario.Create("open", Delay("work", TimeSpan.FromMilliseconds(5), () => Interlocked.Increment(ref invocations)))
            .WithWarmUp(TimeSpan.FromSeconds(1))
            .WithLoadSimulations(new LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));

        var result = await RunAsync(scenario);

        Assert.Equal(20, result.Stats.Requests);
        Assert.Equal(20, result.Stats.Ok);
        Assert.Equal(40, invocations);
    }

    [Fact]
    public async Task OpenModel_RampingInject_StartsTheAreaUnderTheRamp()
    {
        // 0 -> 20/s over 2 s is 20 requests, then 20/s for 1 s is 20 more.
        var scenario = Scenario.Create("ramp", Delay("work", TimeSpan.FromMilliseconds(1)))
            .WithLoadSimulations(
                new LoadSimulation.RampingInject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)),
                new LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));

        var result = await RunAsync(scenario);

        Assert.InRange(result.Stats.Requests, 39, 40);
    }

    [Fact]
    public async Task OpenModel_OverTheConcurrencyCap_CountsDroppedRequestsAsFailures()
    {
        var scenario = Scenario.Create("capped", Delay("slow", TimeSpan.FromMilliseconds(400)))
            .WithMaxConcurrency(1)
            .WithLoadSimulations(new LoadSimulation.Inject(20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));

        var result = await RunAsync(scenario);

        Assert.Equal(20, result.Stats.Requests);
        Assert.True(result.Stats.Dropped > 0);
        Assert.Equal(result.Stats.Dropped, result.Stats.StatusCodes[StepResult.DroppedStatus]);
        Assert.Equal(result.Stats.Dropped, result.Steps[0].Dropped);
        Assert.Equal(result.Stats.Requests - result.Stats.Dropped, result.Stats.Ok);
    }

    [Fact]
    public async Task ClosedModel_StopsAtTheIterationCap()
    {
        var scenario = Scenario.Create("capped", Delay("work", TimeSpan.FromMilliseconds(1)))
            .WithMaxIterations(50)
            .WithLoadSimulations(new LoadSimulation.KeepConstant(4, TimeSpan.FromSeconds(30)));

        var result = await RunAsync(scenario);

        Assert.Equal(50, result.Stats.Requests);
    }

    [Fact]
    public async Task ClosedModel_RampsCopiesUpAndDown_WithoutExceedingTheTarget()
    {
        var copies = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var scenario = Scenario.Create("ramp", new Step("work", async context =>
            {
                copies.TryAdd(context.CopyNumber, true);
                await Task.Delay(5, context.CancellationToken);
                return StepResult.Ok();
            }))
            .WithLoadSimulations(
                new LoadSimulation.RampingConstant(4, TimeSpan.FromSeconds(1)),
                new LoadSimulation.KeepConstant(4, TimeSpan.FromMilliseconds(500)),
                new LoadSimulation.RampingConstant(0, TimeSpan.FromMilliseconds(500)));

        var result = await RunAsync(scenario);

        Assert.Equal([0, 1, 2, 3], copies.Keys.Order());
        Assert.Equal(result.Stats.Requests, result.Stats.Ok);
    }

    [Fact]
    public async Task ClosedModel_RunsStepsInOrder_AndStopsTheIterationAtTheFirstFailure()
    {
        var order = new List<string>();
        var scenario = Scenario.Create(
                "steps",
                new Step("first", _ =>
                {
                    lock (order)
                    {
                        order.Add("first");
                    }

                    return Task.FromResult(StepResult.Ok("200", 10));
                }),
                new Step("second", _ => Task.FromResult(StepResult.Fail("409", 5, "conflict"))),
                new Step("third", _ => throw new InvalidOperationException("never reached")))
            .WithMaxIterations(10)
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(10)));

        var result = await RunAsync(scenario);

        Assert.Equal(10, result.Steps[0].Ok);
        Assert.Equal(10, result.Steps[1].Fail);
        Assert.Equal(0, result.Steps[2].Requests);
        Assert.Equal(10, result.Stats.Fail);
        Assert.Equal(10, result.Stats.StatusCodes["409"]);
        Assert.Equal(150, result.Stats.Bytes);
        Assert.Equal(10, result.Steps[1].Errors["conflict"]);
    }

    [Fact]
    public async Task StepException_IsAFailureWithStatusException()
    {
        var scenario = Scenario.Create("throws", new Step("boom", _ => throw new InvalidOperationException("boom")))
            .WithMaxIterations(3)
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(10)));

        var result = await RunAsync(scenario);

        Assert.Equal(3, result.Stats.Fail);
        Assert.Equal(3, result.Steps[0].StatusCodes["exception"]);
    }

    [Fact]
    public async Task InitAndClean_RunOnce_AroundTheLoad()
    {
        var events = new List<string>();
        var scenario = Scenario.Create("hooks", new Step("work", _ =>
            {
                lock (events)
                {
                    events.Add("step");
                }

                return Task.FromResult(StepResult.Ok());
            }))
            .WithInit(_ =>
            {
                events.Add("init");
                return Task.CompletedTask;
            })
            .WithClean(_ =>
            {
                events.Add("clean");
                return Task.CompletedTask;
            })
            .WithMaxIterations(2)
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(10)));

        await RunAsync(scenario);

        Assert.Equal(["init", "step", "step", "clean"], events);
    }

    [Fact]
    public async Task MaxDuration_StopsAStepThatNeverReturns()
    {
        var scenario = Scenario.Create("hang", Delay("forever", Timeout.InfiniteTimeSpan))
            .WithMaxDuration(TimeSpan.FromSeconds(2))
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(1)));

        var result = await RunAsync(scenario);

        Assert.Equal(0, result.Stats.Requests);
    }

    [Fact]
    public async Task AbortOnFail_Threshold_StopsTheRunEarly_WithExitCodeOne()
    {
        var scenario = Scenario.Create("failing", new Step("fails", async context =>
            {
                await Task.Delay(10, context.CancellationToken);
                return StepResult.Fail("500");
            }))
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(20)));
        var threshold = Threshold.Parse("failing", null, "fail_rate < 0.01") with { AbortOnFail = true };

        var result = await new LoadTestRunner([scenario], [threshold]).RunAsync();

        Assert.True(result.Aborted);
        Assert.Equal(RunResult.ExitFailed, result.ExitCode);
        Assert.Equal("aborted the run", Assert.Single(result.Thresholds).Note);
        Assert.True(result.Scenarios[0].Stats.DurationSeconds < 20, "the run stopped before its planned end");
    }

    [Fact]
    public async Task Cancellation_StopsTheRun_AndMarksItAborted()
    {
        var scenario = Scenario.Create("long", Delay("work", TimeSpan.FromMilliseconds(5)))
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(20)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var result = await new LoadTestRunner([scenario]).RunAsync(cancel.Token);

        Assert.True(result.Aborted);
        Assert.Equal("cancelled", result.AbortReason);
        Assert.Equal(RunResult.ExitFailed, result.ExitCode);
    }

    [Fact]
    public void Runner_RejectsAThresholdOnAnUnknownStep()
    {
        var scenario = Scenario.Create("s", Delay("work", TimeSpan.Zero))
            .WithLoadSimulations(new LoadSimulation.KeepConstant(1, TimeSpan.FromSeconds(1)));

        Assert.Throws<ArgumentException>(() => new LoadTestRunner([scenario], [Threshold.Parse("s", "nope", "ok > 1")]));
    }
}
