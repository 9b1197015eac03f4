using System.ComponentModel;
using ReturnsActors.LoadTests.Config;
using ReturnsActors.LoadTests.Harness;
using ReturnsActors.LoadTests.Reports;
using ReturnsActors.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ReturnsActors.LoadTests.Cli;

/// <summary><c>run --config FILE</c>: runs the configured scenarios and writes the reports.</summary>
public sealed class RunCommand(IAnsiConsole console) : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-c|--config <FILE>")]
        [Description("Load-test JSON config (target, scenarios, simulations, thresholds).")]
        public string? Config { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Report folder; default load-results/<UTC timestamp>.")]
        public string? Out { get; init; }

        [CommandOption("--no-live")]
        [Description("No live table; print a progress line every 5 s instead.")]
        public bool NoLive { get; init; }

        [CommandOption("-d|--duration <DURATION>")]
        [Description("Scale each scenario's load phases to this total, e.g. 30s (warm-up unchanged).")]
        public string? Duration { get; init; }

        public override ValidationResult Validate() => string.IsNullOrWhiteSpace(Config)
            ? ValidationResult.Error("--config is required.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var registry = context.Data as ScenarioRegistry ?? ScenarioRegistry.BuiltIn();
        LoadPlan plan;
        try
        {
            var duration = settings.Duration is null ? (TimeSpan?)null : Config.Duration.Parse(settings.Duration);
            plan = LoadPlan.Build(LoadPlan.ReadConfig(settings.Config!), registry, duration);
        }
        catch (Exception ex) when (ex is ConfigException or FormatException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
            return RunResult.ExitUsageError;
        }

        using (plan)
        {
            var runner = new LoadTestRunner(plan.Scenarios, plan.Thresholds);
            var run = runner.RunAsync(cancellationToken);
            var live = !settings.NoLive && !Console.IsOutputRedirected && console.Profile.Capabilities.Interactive;
            await LiveView.FollowAsync(console, runner, run, live);
            var result = await run;

            var outDir = settings.Out ?? Path.Combine("load-results", result.StartedUtc.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            var paths = ReportWriter.WriteAll(result, outDir);
            if (!live)
            {
                console.Write(LiveView.BuildTable(result.Scenarios));
                console.WriteLine();
            }

            foreach (var threshold in result.Thresholds)
            {
                var verdict = threshold.Passed ? "[green]pass[/]" : "[red]FAIL[/]";
                console.MarkupLine($"{verdict} {Markup.Escape(threshold.Threshold.ToString())} (actual {Markup.Escape(Format.Number(threshold.Actual))}) {Markup.Escape(threshold.Note ?? "")}");
            }

            if (result.Aborted)
            {
                console.MarkupLineInterpolated($"[red]aborted:[/] {result.AbortReason}");
            }

            foreach (var scenario in result.Scenarios.Where(s => s.Error is not null))
            {
                console.MarkupLineInterpolated($"[red]{scenario.Name}:[/] {scenario.Error}");
            }

            console.MarkupLineInterpolated($"reports: {string.Join(", ", paths)}");
            console.MarkupLine(result.Passed ? "[green]PASSED[/]" : "[red]FAILED[/]");
            return result.ExitCode;
        }
    }
}
