using ReturnsActors.LoadTests.Reports;
using Spectre.Console;

namespace ReturnsActors.LoadTests.Harness;

/// <summary>Shows the run as it goes: a live table on a terminal, a plain progress line otherwise.</summary>
public static class LiveView
{
    private static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PlainPeriod = TimeSpan.FromSeconds(5);

    public static async Task FollowAsync(IAnsiConsole console, LoadTestRunner runner, Task run, bool live)
    {
        if (live)
        {
            await console.Live(BuildTable(runner.CurrentResults())).AutoClear(false).StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(RefreshPeriod, CancellationToken.None));
                    context.UpdateTarget(BuildTable(runner.CurrentResults()));
                    context.Refresh();
                }
            });
            return;
        }

        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(PlainPeriod, CancellationToken.None));
            foreach (var scenario in runner.CurrentResults())
            {
                var s = scenario.Stats;
                console.WriteLine(
                    $"[{Format.Number(s.DurationSeconds, "0")}s] {s.Scenario}: {s.Ok} ok, {s.Fail} fail, " +
                    $"{Format.Number(s.Rps, "0.0")} rps, p99 {Format.Number(s.Latency?.P99Ms)} ms");
            }
        }
    }

    public static Table BuildTable(IReadOnlyList<ScenarioResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]load test[/] (rps over the last second)");
        table.AddColumn("scenario");
        table.AddColumn("step");
        foreach (var column in new[] { "rps", "ok", "fail", "p50 ms", "p99 ms" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var scenario in results)
        {
            foreach (var row in Format.Rows(scenario))
            {
                var rps = row.Series.Count > 0 ? row.Series[^1].Rps : row.Rps;
                table.AddRow(
                    Markup.Escape(row.Scenario),
                    Markup.Escape(Format.StepLabel(row)),
                    Format.Number(rps, "0.0"),
                    Format.Integer(row.Ok),
                    row.Fail > 0 ? $"[red]{row.Fail}[/]" : "0",
                    Format.Number(row.Latency?.P50Ms, "0.00"),
                    Format.Number(row.Latency?.P99Ms, "0.00"));
            }
        }

        return table;
    }
}
