namespace ReturnsActors.LoadTests.Harness;

/// <summary>Final statistics of one scenario and its steps.</summary>
public sealed record ScenarioResult(
    string Name, StatsSnapshot Stats, IReadOnlyList<StatsSnapshot> Steps, double WarmUpSeconds, string? Error);

/// <summary>Everything a report needs about a finished run.</summary>
public sealed record RunResult(
    DateTimeOffset StartedUtc,
    double DurationSeconds,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<ThresholdResult> Thresholds,
    bool Aborted,
    string? AbortReason)
{
    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsageError = 2;

    public bool Passed => !Aborted && Thresholds.All(t => t.Passed) && Scenarios.All(s => s.Error is null);

    public int ExitCode => Passed ? ExitPassed : ExitFailed;
}
