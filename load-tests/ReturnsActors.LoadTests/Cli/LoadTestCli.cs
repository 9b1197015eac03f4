using ReturnsActors.LoadTests.Harness;
using ReturnsActors.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ReturnsActors.LoadTests.Cli;

/// <summary>The command line: exit code 0 when every threshold passes, 1 when one fails, 2 on a usage error.</summary>
public static class LoadTestCli
{
    public static Task<int> RunAsync(
        string[] args, IAnsiConsole? console = null, ScenarioRegistry? registry = null, CancellationToken cancellationToken = default)
    {
        registry ??= ScenarioRegistry.BuiltIn();
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("ReturnsActors.LoadTests");
            config.UseAssemblyInformationalVersion();
            if (console is not null)
            {
                config.ConfigureConsole(console);
            }

            config.AddCommand<RunCommand>("run")
                .WithData(registry)
                .WithDescription("Run the scenarios of a config and write report.md/.csv/.html/.json.")
                .WithExample("run", "--config", "configs/smoke.json", "--out", "load-results/smoke");
            config.AddCommand<ListCommand>("list")
                .WithData(registry)
                .WithDescription("List the built-in scenario types.");
            config.SetExceptionHandler((ex, _) =>
            {
                (console ?? AnsiConsole.Console).MarkupLineInterpolated($"[red]error:[/] {ex.Message}");
                return RunResult.ExitUsageError;
            });
        });
        return app.RunAsync(args, cancellationToken);
    }
}
