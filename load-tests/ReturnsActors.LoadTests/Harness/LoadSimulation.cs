namespace ReturnsActors.LoadTests.Harness;

/// <summary>
/// One phase of load. Closed-model phases hold a number of copies that each loop over iterations;
/// open-model phases start iterations at a rate regardless of how fast earlier ones complete.
/// Phases of a scenario run back to back; a ramping phase starts from the level the previous phase ended at.
/// </summary>
public abstract record LoadSimulation(TimeSpan During)
{
    public bool IsOpenModel => this is Inject or RampingInject;

    /// <summary>Closed model: keep <paramref name="Copies"/> copies looping for the whole phase.</summary>
    public sealed record KeepConstant(int Copies, TimeSpan During) : LoadSimulation(During);

    /// <summary>Closed model: move linearly from the previous copy count to <paramref name="Copies"/>.</summary>
    public sealed record RampingConstant(int Copies, TimeSpan During) : LoadSimulation(During);

    /// <summary>Open model: start <paramref name="Rate"/> iterations per <paramref name="Interval"/>, evenly spaced.</summary>
    public sealed record Inject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During);

    /// <summary>Open model: move the rate linearly from the previous phase's rate to <paramref name="Rate"/>.</summary>
    public sealed record RampingInject(double Rate, TimeSpan Interval, TimeSpan During) : LoadSimulation(During);

    /// <summary>The level (copies, or iterations per second) this phase reaches at its end.</summary>
    internal double EndLevel => this switch
    {
        KeepConstant k => k.Copies,
        RampingConstant r => r.Copies,
        Inject i => i.Rate / i.Interval.TotalSeconds,
        RampingInject r => r.Rate / r.Interval.TotalSeconds,
        _ => 0,
    };

    /// <summary>The level at <paramref name="offset"/> into this phase, given the level the previous phase ended at.</summary>
    internal double LevelAt(TimeSpan offset, double previousLevel)
    {
        var progress = During <= TimeSpan.Zero ? 1 : Math.Clamp(offset / During, 0, 1);
        return this switch
        {
            RampingConstant or RampingInject => previousLevel + ((EndLevel - previousLevel) * progress),
            _ => EndLevel,
        };
    }

    internal void Validate(string scenario)
    {
        if (During <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Scenario '{scenario}': every load simulation needs a positive duration.");
        }

        var invalid = this switch
        {
            KeepConstant k => k.Copies < 0,
            RampingConstant r => r.Copies < 0,
            Inject i => i.Rate < 0 || i.Interval <= TimeSpan.Zero,
            RampingInject r => r.Rate < 0 || r.Interval <= TimeSpan.Zero,
            _ => true,
        };
        if (invalid)
        {
            throw new ArgumentException($"Scenario '{scenario}': invalid load simulation {this}.");
        }
    }
}
