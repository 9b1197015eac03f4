using System.Text;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>A human-readable summary with Markdown tables.</summary>
public static class MarkdownReport
{
    public static string Render(RunResult run, MachineInfo machine)
    {
        var md = new StringBuilder();
        md.Append("machine: ").AppendLine(machine.Line);
        md.AppendLine();
        md.AppendLine("# Load test report");
        md.AppendLine();
        md.AppendLine($"- Result: **{(run.Passed ? "PASSED" : "FAILED")}**");
        md.AppendLine($"- Started: {run.StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, wall time {Format.Number(run.DurationSeconds, "0.0")} s");
        if (run.Aborted)
        {
            md.AppendLine($"- Aborted: {run.AbortReason}");
        }

        foreach (var failed in run.Scenarios.Where(s => s.Error is not null))
        {
            md.AppendLine($"- Scenario `{failed.Name}`: {failed.Error}");
        }

        md.AppendLine();
        md.AppendLine("## Statistics");
        md.AppendLine();
        md.AppendLine("Latencies in ms, over successful requests; rps over the measured time (warm-up excluded).");
        md.AppendLine();
        md.AppendLine("| scenario | step | requests | ok | fail | dropped | fail % | rps | min | mean | p50 | p75 | p95 | p99 | p99.9 | max | bytes |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var row in run.Scenarios.SelectMany(Format.Rows))
        {
            var l = row.Latency;
            md.AppendLine(
                $"| {row.Scenario} | {Format.StepLabel(row)} | {row.Requests} | {row.Ok} | {row.Fail} | {row.Dropped} | " +
                $"{Format.Percent(row.FailRate)} | {Format.Number(row.Rps, "0.0")} | {Format.Number(l?.MinMs)} | {Format.Number(l?.MeanMs)} | " +
                $"{Format.Number(l?.P50Ms)} | {Format.Number(l?.P75Ms)} | {Format.Number(l?.P95Ms)} | {Format.Number(l?.P99Ms)} | " +
                $"{Format.Number(l?.P999Ms)} | {Format.Number(l?.MaxMs)} | {row.Bytes} |");
        }

        md.AppendLine();
        md.AppendLine("## Status codes");
        md.AppendLine();
        md.AppendLine("| scenario | step | status codes |");
        md.AppendLine("|---|---|---|");
        foreach (var row in run.Scenarios.SelectMany(Format.Rows))
        {
            md.AppendLine($"| {row.Scenario} | {Format.StepLabel(row)} | {Format.Codes(row.StatusCodes).Replace(";", ", ", StringComparison.Ordinal)} |");
        }

        if (run.Thresholds.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Thresholds");
            md.AppendLine();
            md.AppendLine("| target | check | actual | result | note |");
            md.AppendLine("|---|---|--:|---|---|");
            foreach (var t in run.Thresholds)
            {
                md.AppendLine($"| {t.Threshold.Target} | `{t.Threshold.Expression}` | {Format.Number(t.Actual)} | {(t.Passed ? "pass" : "FAIL")} | {t.Note} |");
            }
        }

        var errors = run.Scenarios.SelectMany(Format.Rows).Where(r => r.Step is not null && r.Errors.Count > 0).ToList();
        if (errors.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Errors");
            md.AppendLine();
            md.AppendLine("| scenario | step | count | message |");
            md.AppendLine("|---|---|--:|---|");
            foreach (var row in errors)
            {
                foreach (var (message, count) in row.Errors.OrderByDescending(e => e.Value))
                {
                    md.AppendLine($"| {row.Scenario} | {row.Step} | {count} | {message.Replace("|", "\\|", StringComparison.Ordinal)} |");
                }
            }
        }

        foreach (var scenario in run.Scenarios.Where(s => s.Stats.Series.Count > 0))
        {
            md.AppendLine();
            md.AppendLine($"## Time series: {scenario.Name}");
            md.AppendLine();
            md.AppendLine("| second | rps | ok | fail | p50 ms | p99 ms |");
            md.AppendLine("|--:|--:|--:|--:|--:|--:|");
            foreach (var point in scenario.Stats.Series)
            {
                md.AppendLine($"| {Format.Number(point.Second, "0.#")} | {Format.Number(point.Rps, "0.0")} | {point.Ok} | {point.Fail} | {Format.Number(point.P50Ms)} | {Format.Number(point.P99Ms)} |");
            }
        }

        return md.ToString();
    }
}
