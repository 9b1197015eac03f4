using System.Text.Json;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>The raw numbers, machine first, for tooling and comparisons between runs.</summary>
public static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Render(RunResult run, MachineInfo machine) => JsonSerializer.Serialize(
        new
        {
            machine = new { line = machine.Line, machine.Os, machine.Cores, machine.MemoryGiB, machine.DotNet, machine.Harness, machine.Utc },
            run.StartedUtc,
            run.DurationSeconds,
            run.Passed,
            run.ExitCode,
            run.Aborted,
            run.AbortReason,
            scenarios = run.Scenarios,
            thresholds = run.Thresholds.Select(t => new
            {
                scenario = t.Threshold.Scenario,
                step = t.Threshold.Step,
                check = t.Threshold.Expression,
                abortOnFail = t.Threshold.AbortOnFail,
                passed = t.Passed,
                actual = t.Actual,
                note = t.Note,
            }),
        },
        Options);
}
