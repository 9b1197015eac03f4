namespace ReturnsActors.LoadTests.Harness;

/// <summary>Runs scenarios side by side, checks thresholds every second and collects the results.</summary>
public sealed class LoadTestRunner
{
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(1);

    private readonly IReadOnlyList<ScenarioExecution> _executions;
    private readonly IReadOnlyList<Threshold> _thresholds;
    private readonly TimeProvider _time;

    /// <param name="scenarios">Scenarios to run side by side.</param>
    /// <param name="thresholds">Pass/fail rules checked while running and at the end.</param>
    /// <param name="time">Clock for scheduling and latency; tests pass a fake one to stall the generator on purpose.</param>
    /// <exception cref="ArgumentException">A scenario is invalid, or a threshold names an unknown scenario or step.</exception>
    public LoadTestRunner(IReadOnlyList<Scenario> scenarios, IReadOnlyList<Threshold>? thresholds = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        if (scenarios.Count == 0)
        {
            throw new ArgumentException("Nothing to run: no scenario given.");
        }

        if (scenarios.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != scenarios.Count)
        {
            throw new ArgumentException("Scenario names must be unique.");
        }

        _executions = [.. scenarios.Select(s => new ScenarioExecution(s, _time))];
        _thresholds = thresholds ?? [];
        foreach (var threshold in _thresholds)
        {
            _ = FindCollector(threshold) ?? throw new ArgumentException($"Threshold '{threshold}' names an unknown scenario or step.");
        }
    }

    /// <summary>Current statistics, for a live view; safe to call from any thread while running.</summary>
    public IReadOnlyList<ScenarioResult> CurrentResults() => [.. _executions.Select(ToResult)];

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var startedUtc = DateTimeOffset.UtcNow;
        var started = _time.GetTimestamp();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Task.WhenAll(_executions.Select(e => Task.Run(() => e.RunAsync(abort.Token), CancellationToken.None)));

        var abortResults = new List<ThresholdResult>();
        string? abortReason = null;
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(CheckPeriod, _time, CancellationToken.None));
            if (running.IsCompleted || abortReason is not null)
            {
                continue;
            }

            foreach (var failed in CheckAbortThresholds())
            {
                abortResults.Add(failed with { Note = "aborted the run" });
                abortReason ??= $"threshold failed: {failed.Threshold} (actual {failed.Actual:0.###})";
            }

            if (abortReason is not null)
            {
                await abort.CancelAsync();
            }
        }

        await running;
        if (abortReason is null && cancellationToken.IsCancellationRequested)
        {
            abortReason = "cancelled";
        }

        var scenarios = _executions.Select(ToResult).ToList();
        var thresholds = _thresholds
            .Select(t => abortResults.FirstOrDefault(a => a.Threshold == t) ?? t.Evaluate(FindSnapshot(scenarios, t)))
            .ToList();
        return new RunResult(
            startedUtc,
            _time.GetElapsedTime(started).TotalSeconds,
            scenarios,
            thresholds,
            abortReason is not null,
            abortReason);
    }

    private IEnumerable<ThresholdResult> CheckAbortThresholds()
    {
        foreach (var threshold in _thresholds.Where(t => t.AbortOnFail))
        {
            var execution = _executions.First(e => e.Scenario.Name == threshold.Scenario);
            if (!execution.IsMeasuring || execution.MeasuredSeconds < threshold.StartCheckAfter.TotalSeconds)
            {
                continue;
            }

            var snapshot = FindCollector(threshold)!.Snapshot(execution.MeasuredSeconds);
            if (snapshot.Requests == 0)
            {
                continue;
            }

            var result = threshold.Evaluate(snapshot);
            if (!result.Passed && result.Actual is not null)
            {
                yield return result;
            }
        }
    }

    private StatsCollector? FindCollector(Threshold threshold)
    {
        var execution = _executions.FirstOrDefault(e => e.Scenario.Name == threshold.Scenario);
        return threshold.Step is null
            ? execution?.ScenarioStats
            : execution?.StepStats.FirstOrDefault(s => s.Step == threshold.Step);
    }

    private static StatsSnapshot FindSnapshot(IReadOnlyList<ScenarioResult> scenarios, Threshold threshold)
    {
        var scenario = scenarios.First(s => s.Name == threshold.Scenario);
        return threshold.Step is null ? scenario.Stats : scenario.Steps.First(s => s.Step == threshold.Step);
    }

    private static ScenarioResult ToResult(ScenarioExecution execution)
    {
        var seconds = execution.MeasuredSeconds;
        return new ScenarioResult(
            execution.Scenario.Name,
            execution.ScenarioStats.Snapshot(seconds),
            [.. execution.StepStats.Select(s => s.Snapshot(seconds))],
            execution.Scenario.WarmUp.TotalSeconds,
            execution.Error);
    }
}
