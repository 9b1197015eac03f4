namespace ReturnsActors.LoadTests.Harness;

/// <summary>
/// A named workload: optional init and clean hooks, steps executed in order per iteration, and the
/// load shape. Build one with <see cref="Create"/> and the <c>With...</c> methods.
/// </summary>
public sealed record Scenario
{
    /// <summary>Hard cap applied when none is given: no run may go on for ever.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);

    private Scenario(string name, IReadOnlyList<Step> steps)
    {
        Name = name;
        Steps = steps;
    }

    public string Name { get; }

    public IReadOnlyList<Step> Steps { get; init; }

    public Func<CancellationToken, Task>? Init { get; init; }

    public Func<CancellationToken, Task>? Clean { get; init; }

    public IReadOnlyList<LoadSimulation> Simulations { get; init; } = [];

    /// <summary>Load applied before measuring, at the first phase's level; its results are not counted.</summary>
    public TimeSpan WarmUp { get; init; }

    /// <summary>Hard stop for the whole scenario (warm-up included); in-flight steps are cancelled.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>No new iteration starts once this many have started (warm-up included).</summary>
    public long? MaxIterations { get; init; }

    /// <summary>Open model: iterations allowed in flight at once; ticks beyond it count as dropped.</summary>
    public int MaxConcurrency { get; init; } = 1_000;

    public static Scenario Create(string name, params Step[] steps)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new Scenario(name, steps);
    }

    public Scenario WithInit(Func<CancellationToken, Task> init) => this with { Init = init };

    public Scenario WithClean(Func<CancellationToken, Task> clean) => this with { Clean = clean };

    public Scenario WithLoadSimulations(params LoadSimulation[] simulations) => this with { Simulations = simulations };

    public Scenario WithWarmUp(TimeSpan warmUp) => this with { WarmUp = warmUp };

    public Scenario WithMaxDuration(TimeSpan maxDuration) => this with { MaxDuration = maxDuration };

    public Scenario WithMaxIterations(long maxIterations) => this with { MaxIterations = maxIterations };

    public Scenario WithMaxConcurrency(int maxConcurrency) => this with { MaxConcurrency = maxConcurrency };

    /// <summary>Duration of the measured phases, warm-up excluded.</summary>
    public TimeSpan LoadDuration => Simulations.Aggregate(TimeSpan.Zero, (total, s) => total + s.During);

    /// <summary>The bound actually enforced: the configured one, or warm-up + load + a grace period.</summary>
    public TimeSpan EffectiveMaxDuration => MaxDuration ?? (WarmUp + LoadDuration + DefaultGrace);

    internal void Validate()
    {
        if (Steps.Count == 0)
        {
            throw new ArgumentException($"Scenario '{Name}' has no steps.");
        }

        if (Steps.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != Steps.Count)
        {
            throw new ArgumentException($"Scenario '{Name}' has duplicate step names.");
        }

        if (Simulations.Count == 0)
        {
            throw new ArgumentException($"Scenario '{Name}' has no load simulation.");
        }

        if (Simulations.Select(s => s.IsOpenModel).Distinct().Count() > 1)
        {
            throw new ArgumentException($"Scenario '{Name}' mixes open- and closed-model simulations.");
        }

        foreach (var simulation in Simulations)
        {
            simulation.Validate(Name);
        }

        if (WarmUp < TimeSpan.Zero || MaxDuration <= TimeSpan.Zero || MaxIterations <= 0 || MaxConcurrency <= 0)
        {
            throw new ArgumentException($"Scenario '{Name}': warm-up, max duration, max iterations and max concurrency must be positive.");
        }
    }
}
