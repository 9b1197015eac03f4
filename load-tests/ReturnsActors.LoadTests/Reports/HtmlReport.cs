using System.Text;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>A self-contained page: inline CSS and SVG charts drawn from the per-second series, then the tables.</summary>
public static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
        .machine{font-family:monospace;font-size:12px;color:#555}
        table{border-collapse:collapse;margin:8px 0 24px;font-size:13px}
        th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
        th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}
        .pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}
        .charts{display:flex;flex-wrap:wrap;gap:12px}
        svg{border:1px solid #ddd}
        """;

    public static string Render(RunResult run, MachineInfo machine)
    {
        var html = new StringBuilder();
        html.AppendLine($"<!-- machine: {Html.Encode(machine.Line).Replace("--", "- -", StringComparison.Ordinal)} -->");
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Load test report</title>");
        html.AppendLine($"<style>{Style}</style></head><body>");
        html.AppendLine($"<p class=\"machine\">machine: {Html.Encode(machine.Line)}</p>");
        html.AppendLine("<h1>Load test report</h1>");
        html.AppendLine($"<p>Result: <span class=\"{(run.Passed ? "pass" : "fail")}\">{(run.Passed ? "PASSED" : "FAILED")}</span>; " +
            $"started {run.StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z; wall time {Format.Number(run.DurationSeconds, "0.0")} s" +
            (run.Aborted ? $"; aborted: {Html.Encode(run.AbortReason)}" : "") + "</p>");
        foreach (var failed in run.Scenarios.Where(s => s.Error is not null))
        {
            html.AppendLine($"<p class=\"fail\">Scenario {Html.Encode(failed.Name)}: {Html.Encode(failed.Error)}</p>");
        }

        foreach (var scenario in run.Scenarios)
        {
            html.AppendLine($"<h2>{Html.Encode(scenario.Name)}</h2><div class=\"charts\">");
            var series = scenario.Stats.Series;
            html.AppendLine(SvgChart.Render("Throughput (rps) and failures per interval", "per second",
            [
                new("rps", "#0969da", [.. series.Select(p => (p.Second, (double?)p.Rps))]),
                new("fail", "#cf222e", [.. series.Select(p => (p.Second, (double?)p.Fail))]),
            ]));
            html.AppendLine(SvgChart.Render("Latency", "ms",
            [
                new("p50", "#1a7f37", [.. series.Select(p => (p.Second, p.P50Ms))]),
                new("p99", "#bf8700", [.. series.Select(p => (p.Second, p.P99Ms))]),
            ]));
            html.AppendLine("</div>");
        }

        html.AppendLine("<h2>Statistics</h2><p>Latencies in ms over successful requests; rps over the measured time (warm-up excluded).</p>");
        html.AppendLine("<table><tr><th>scenario</th><th>step</th><th>requests</th><th>ok</th><th>fail</th><th>dropped</th><th>fail %</th><th>rps</th>" +
            "<th>min</th><th>mean</th><th>p50</th><th>p75</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th><th>bytes</th><th>status codes</th></tr>");
        foreach (var row in run.Scenarios.SelectMany(Format.Rows))
        {
            var l = row.Latency;
            string[] cells =
            [
                row.Scenario, Format.StepLabel(row), Format.Integer(row.Requests), Format.Integer(row.Ok), Format.Integer(row.Fail),
                Format.Integer(row.Dropped), Format.Percent(row.FailRate), Format.Number(row.Rps, "0.0"), Format.Number(l?.MinMs),
                Format.Number(l?.MeanMs), Format.Number(l?.P50Ms), Format.Number(l?.P75Ms), Format.Number(l?.P95Ms),
                Format.Number(l?.P99Ms), Format.Number(l?.P999Ms), Format.Number(l?.MaxMs), Format.Integer(row.Bytes),
                Format.Codes(row.StatusCodes).Replace(";", ", ", StringComparison.Ordinal),
            ];
            html.AppendLine("<tr>" + string.Concat(cells.Select(c => $"<td>{Html.Encode(c)}</td>")) + "</tr>");
        }

        html.AppendLine("</table>");
        if (run.Thresholds.Count > 0)
        {
            html.AppendLine("<h2>Thresholds</h2><table><tr><th>target</th><th>check</th><th>actual</th><th>result</th><th>note</th></tr>");
            foreach (var t in run.Thresholds)
            {
                html.AppendLine($"<tr><td>{Html.Encode(t.Threshold.Target)}</td><td>{Html.Encode(t.Threshold.Expression)}</td>" +
                    $"<td>{Format.Number(t.Actual)}</td><td class=\"{(t.Passed ? "pass" : "fail")}\">{(t.Passed ? "pass" : "FAIL")}</td>" +
                    $"<td>{Html.Encode(t.Note)}</td></tr>");
            }

            html.AppendLine("</table>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }
}
