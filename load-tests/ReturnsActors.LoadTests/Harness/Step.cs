namespace ReturnsActors.LoadTests.Harness;

/// <summary>A named unit of work; the steps of a scenario run in order on every iteration.</summary>
/// <param name="Name">Name shown in statistics and reports.</param>
/// <param name="Run">The work; an exception counts as a failure with status <c>exception</c>.</param>
public sealed record Step(string Name, Func<StepContext, Task<StepResult>> Run);
