using System.Text;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>One row per scenario and per step, after a <c># machine:</c> line.</summary>
public static class CsvReport
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "level", "scenario", "step", "requests", "ok", "fail", "dropped", "fail_rate", "rps", "ok_rps",
        "min_ms", "mean_ms", "p50_ms", "p75_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "bytes", "status_codes",
    ];

    public static string Render(RunResult run, MachineInfo machine)
    {
        var csv = new StringBuilder();
        csv.Append("# machine: ").AppendLine(machine.Line);
        csv.AppendLine(string.Join(',', Columns));
        foreach (var scenario in run.Scenarios)
        {
            foreach (var row in Format.Rows(scenario))
            {
                var latency = row.Latency;
                string[] fields =
                [
                    row.Step is null ? "scenario" : "step", row.Scenario, row.Step ?? "",
                    Format.Integer(row.Requests), Format.Integer(row.Ok), Format.Integer(row.Fail), Format.Integer(row.Dropped),
                    Format.Number(row.FailRate, "0.######"), Format.Number(row.Rps), Format.Number(row.OkRps),
                    Format.Number(latency?.MinMs), Format.Number(latency?.MeanMs), Format.Number(latency?.P50Ms),
                    Format.Number(latency?.P75Ms), Format.Number(latency?.P95Ms), Format.Number(latency?.P99Ms),
                    Format.Number(latency?.P999Ms), Format.Number(latency?.MaxMs),
                    Format.Integer(row.Bytes), Format.Codes(row.StatusCodes),
                ];
                csv.AppendLine(string.Join(',', fields.Select(Escape)));
            }
        }

        return csv.ToString();
    }

    private static string Escape(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
