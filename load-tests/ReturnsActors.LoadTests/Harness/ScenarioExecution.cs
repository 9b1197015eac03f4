using System.Runtime.CompilerServices;

namespace ReturnsActors.LoadTests.Harness;

/// <summary>Runs one scenario: init, warm-up, the load phases, clean; records into its collectors.</summary>
internal sealed class ScenarioExecution
{
    private static readonly TimeSpan CleanTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ControlPeriod = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time;
    private readonly (LoadSimulation Phase, TimeSpan Start, double PreviousLevel)[] _timeline;
    private readonly TimeSpan _totalDuration;
    private long _startTimestamp;
    private long _measureStartTimestamp = long.MaxValue;
    private long _measureEndTimestamp;
    private long _iterations;
    private int _inFlight;

    public ScenarioExecution(Scenario scenario, TimeProvider time)
    {
        scenario.Validate();
        _time = time;
        Scenario = scenario;
        ScenarioStats = new StatsCollector(scenario.Name, null);
        StepStats = [.. scenario.Steps.Select(s => new StatsCollector(scenario.Name, s.Name))];
        (_timeline, _totalDuration) = BuildTimeline(scenario);
    }

    public Scenario Scenario { get; }

    public StatsCollector ScenarioStats { get; }

    public IReadOnlyList<StatsCollector> StepStats { get; }

    public string? Error { get; private set; }

    public bool IsMeasuring => Volatile.Read(ref _measureStartTimestamp) <= _time.GetTimestamp();

    /// <summary>Seconds measured so far (warm-up excluded), frozen once the load phases end.</summary>
    public double MeasuredSeconds
    {
        get
        {
            var start = Volatile.Read(ref _measureStartTimestamp);
            var end = Volatile.Read(ref _measureEndTimestamp);
            var now = end != 0 ? end : _time.GetTimestamp();
            return start == long.MaxValue || now <= start ? 0 : _time.GetElapsedTime(start, now).TotalSeconds;
        }
    }

    public IEnumerable<StatsCollector> AllCollectors => StepStats.Prepend(ScenarioStats);

    public async Task RunAsync(CancellationToken runToken)
    {
        using var deadline = new CancellationTokenSource(Scenario.EffectiveMaxDuration, _time);
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(runToken, deadline.Token);
        var token = hardStop.Token;
        try
        {
            if (Scenario.Init is { } init)
            {
                try
                {
                    await init(token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    Error = $"init failed: {ex.GetType().Name}: {ex.Message}";
                    return;
                }
            }

            _startTimestamp = _time.GetTimestamp();
            Volatile.Write(ref _measureStartTimestamp, _startTimestamp + ToTicks(Scenario.WarmUp));
            using var ticker = new CancellationTokenSource();
            var tickerTask = RunIntervalTickerAsync(ticker.Token);
            try
            {
                if (Scenario.Simulations[0].IsOpenModel)
                {
                    await RunOpenModelAsync(token);
                }
                else
                {
                    await RunClosedModelAsync(token);
                }
            }
            finally
            {
                await ticker.CancelAsync();
                await tickerTask;
                MarkMeasureEnd();
                CloseFinalInterval();
            }
        }
        finally
        {
            await CleanAsync();
        }
    }

    private async Task RunClosedModelAsync(CancellationToken token)
    {
        var workers = new List<(Task Task, StrongBox<bool> Stop)>();
        while (!token.IsCancellationRequested && !IterationCapReached())
        {
            var elapsed = _time.GetElapsedTime(_startTimestamp);
            if (elapsed >= _totalDuration)
            {
                break;
            }

            var target = (int)Math.Round(LevelAt(elapsed));
            var active = workers.Where(w => !Volatile.Read(ref w.Stop.Value)).ToList();
            for (var copy = active.Count; copy < target; copy++)
            {
                var stop = new StrongBox<bool>(false);
                var copyNumber = workers.Count;
                workers.Add((Task.Run(() => RunCopyAsync(copyNumber, stop, token), CancellationToken.None), stop));
            }

            // Stop the newest copies first; each finishes its current iteration.
            for (var i = active.Count - 1; i >= target; i--)
            {
                Volatile.Write(ref active[i].Stop.Value, true);
            }

            await DelayAsync(Min(ControlPeriod, _totalDuration - elapsed), token);
        }

        MarkMeasureEnd();
        foreach (var (_, stop) in workers)
        {
            Volatile.Write(ref stop.Value, true);
        }

        await WaitQuietlyAsync(Task.WhenAll(workers.Select(w => w.Task)), token);
    }

    private async Task RunCopyAsync(int copyNumber, StrongBox<bool> stop, CancellationToken token)
    {
        while (!Volatile.Read(ref stop.Value) && !token.IsCancellationRequested)
        {
            var number = Interlocked.Increment(ref _iterations) - 1;
            if (Scenario.MaxIterations is { } max && number >= max)
            {
                return;
            }

            await RunIterationAsync(number, copyNumber, _time.GetTimestamp(), token);

            // Steps that complete synchronously must not starve the controller on a small machine.
            await Task.Yield();
        }
    }

    private async Task RunOpenModelAsync(CancellationToken token)
    {
        // Walk the schedule in 1 ms slices, accumulating the fractional number of requests due.
        const double SliceSeconds = 0.001;
        var totalSlices = (long)Math.Ceiling(_totalDuration.TotalSeconds / SliceSeconds);
        long slice = 0;
        var due = 0.0;
        while (slice < totalSlices && !token.IsCancellationRequested)
        {
            var nowSlice = (long)(_time.GetElapsedTime(_startTimestamp).TotalSeconds / SliceSeconds);
            for (; slice <= nowSlice && slice < totalSlices; slice++)
            {
                due += LevelAt(TimeSpan.FromSeconds(slice * SliceSeconds)) * SliceSeconds;
                while (due >= 1 - 1e-9)
                {
                    due -= 1;
                    if (!Launch(_startTimestamp + ToTicks(TimeSpan.FromSeconds(slice * SliceSeconds)), token))
                    {
                        slice = totalSlices;
                        break;
                    }
                }
            }

            await DelayAsync(TimeSpan.FromMilliseconds(1), token);
        }

        MarkMeasureEnd();

        // Let in-flight requests finish; the hard stop bounds this wait.
        while (Volatile.Read(ref _inFlight) > 0 && !token.IsCancellationRequested)
        {
            await DelayAsync(TimeSpan.FromMilliseconds(10), token);
        }
    }

    /// <returns>False once the iteration cap is reached and scheduling should stop.</returns>
    private bool Launch(long intendedStart, CancellationToken token)
    {
        if (Volatile.Read(ref _inFlight) >= Scenario.MaxConcurrency)
        {
            if (intendedStart >= _measureStartTimestamp)
            {
                var dropped = StepResult.Fail(StepResult.DroppedStatus, message: "concurrency cap reached");
                ScenarioStats.Record(dropped, 0);
                StepStats[0].Record(dropped, 0);
            }

            return true;
        }

        var number = Interlocked.Increment(ref _iterations) - 1;
        if (Scenario.MaxIterations is { } max && number >= max)
        {
            return false;
        }

        Interlocked.Increment(ref _inFlight);
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await RunIterationAsync(number, -1, intendedStart, token);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            },
            CancellationToken.None);
        return true;
    }

    // Open model passes the schedule tick as intendedStart, so any delay before the first step counts as latency.
    private async Task RunIterationAsync(long number, int copyNumber, long intendedStart, CancellationToken token)
    {
        var measured = intendedStart >= Volatile.Read(ref _measureStartTimestamp);
        var context = new StepContext(Scenario.Name, number, copyNumber, token);
        var iterationResult = StepResult.Ok();
        long bytes = 0;
        var end = intendedStart;
        for (var i = 0; i < Scenario.Steps.Count; i++)
        {
            var step = Scenario.Steps[i];
            context.StepName = step.Name;
            var start = i == 0 ? intendedStart : _time.GetTimestamp();
            StepResult result;
            try
            {
                result = await step.Run(context);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
            {
                result = StepResult.Fail("timeout", message: ex.Message);
            }
            catch (Exception ex)
            {
                result = StepResult.Fail("exception", message: $"{ex.GetType().Name}: {ex.Message}");
            }

            end = _time.GetTimestamp();
            bytes += result.SizeBytes;
            if (measured)
            {
                StepStats[i].Record(result, Microseconds(start, end));
            }

            // The iteration takes the status of its last step run: the failing one, or the final one.
            iterationResult = result;
            if (!result.IsOk)
            {
                break;
            }
        }

        if (measured)
        {
            ScenarioStats.Record(iterationResult with { SizeBytes = bytes }, Microseconds(intendedStart, end));
        }
    }

    private async Task RunIntervalTickerAsync(CancellationToken token)
    {
        var measureStart = Volatile.Read(ref _measureStartTimestamp);
        var untilMeasuring = _time.GetElapsedTime(_time.GetTimestamp(), measureStart);
        await DelayAsync(untilMeasuring, token);
        var previous = measureStart;
        for (var second = 1; !token.IsCancellationRequested; second++)
        {
            var due = measureStart + ToTicks(TimeSpan.FromSeconds(second));
            await DelayAsync(_time.GetElapsedTime(_time.GetTimestamp(), due), token);
            if (token.IsCancellationRequested)
            {
                return;
            }

            CloseIntervals(previous, _time.GetTimestamp());
            previous = due;
        }
    }

    private void CloseFinalInterval()
    {
        var series = ScenarioStats.Snapshot(0).Series;
        var closedUntil = series.Count == 0 ? 0 : series[^1].Second;
        var measured = MeasuredSeconds;
        if (measured - closedUntil > 0.05)
        {
            CloseIntervals(_measureStartTimestamp + ToTicks(TimeSpan.FromSeconds(closedUntil)), _measureEndTimestamp);
        }
    }

    private void CloseIntervals(long from, long to)
    {
        var second = _time.GetElapsedTime(_measureStartTimestamp, to).TotalSeconds;
        var length = _time.GetElapsedTime(from, to).TotalSeconds;
        foreach (var collector in AllCollectors)
        {
            collector.CloseInterval(second, length);
        }
    }

    private void MarkMeasureEnd()
    {
        if (Volatile.Read(ref _measureEndTimestamp) == 0)
        {
            Volatile.Write(ref _measureEndTimestamp, _time.GetTimestamp());
        }
    }

    private async Task CleanAsync()
    {
        if (Scenario.Clean is not { } clean)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanTimeout);
        try
        {
            await clean(timeout.Token);
        }
        catch (Exception ex)
        {
            Error ??= $"clean failed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private bool IterationCapReached() =>
        Scenario.MaxIterations is { } max && Interlocked.Read(ref _iterations) >= max;

    private double LevelAt(TimeSpan elapsed)
    {
        for (var i = _timeline.Length - 1; i >= 0; i--)
        {
            var (phase, start, previous) = _timeline[i];
            if (elapsed >= start)
            {
                return phase.LevelAt(elapsed - start, previous);
            }
        }

        return 0;
    }

    private static ((LoadSimulation, TimeSpan, double)[] Timeline, TimeSpan Total) BuildTimeline(Scenario scenario)
    {
        var phases = new List<LoadSimulation>();
        var first = scenario.Simulations[0];
        if (scenario.WarmUp > TimeSpan.Zero)
        {
            // Warm up at the level the first phase aims for; a first ramp then starts from there.
            phases.Add(first.IsOpenModel
                ? new LoadSimulation.Inject(first.EndLevel, TimeSpan.FromSeconds(1), scenario.WarmUp)
                : new LoadSimulation.KeepConstant((int)first.EndLevel, scenario.WarmUp));
        }

        phases.AddRange(scenario.Simulations);
        var timeline = new List<(LoadSimulation, TimeSpan, double)>();
        var start = TimeSpan.Zero;
        var previous = 0.0;
        foreach (var phase in phases)
        {
            timeline.Add((phase, start, previous));
            start += phase.During;
            previous = phase.EndLevel;
        }

        return ([.. timeline], start);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken token)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(delay, _time, token);
        }
        catch (OperationCanceledException)
        {
            // Cancellation ends the run; callers check the token.
        }
    }

    private static async Task WaitQuietlyAsync(Task task, CancellationToken token)
    {
        try
        {
            await task.WaitAsync(token);
        }
        catch (OperationCanceledException)
        {
            // Hard stop: abandon iterations still in flight.
        }
    }

    private long Microseconds(long from, long to) => (long)_time.GetElapsedTime(from, to).TotalMicroseconds;

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
