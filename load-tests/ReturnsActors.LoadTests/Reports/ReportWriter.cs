using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Reports;

/// <summary>Writes report.md, report.csv, report.html and report.json into one folder.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> WriteAll(RunResult run, string directory)
    {
        Directory.CreateDirectory(directory);
        var machine = MachineInfo.Capture(run.StartedUtc);
        (string Name, string Content)[] reports =
        [
            ("report.md", MarkdownReport.Render(run, machine)),
            ("report.csv", CsvReport.Render(run, machine)),
            ("report.html", HtmlReport.Render(run, machine)),
            ("report.json", JsonReport.Render(run, machine)),
        ];
        var paths = new List<string>();
        foreach (var (name, content) in reports)
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, content);
            paths.Add(path);
        }

        return paths;
    }
}
