using ReturnsActors.LoadTests.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ReturnsActors.LoadTests.Cli;

/// <summary><c>list</c>: the built-in scenario types usable in a config's <c>type</c> field.</summary>
public sealed class ListCommand(IAnsiConsole console) : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var registry = context.Data as ScenarioRegistry ?? ScenarioRegistry.BuiltIn();
        var table = new Table().AddColumn("scenario").AddColumn("description");
        foreach (var factory in registry.All)
        {
            table.AddRow(Markup.Escape(factory.Name), Markup.Escape(factory.Description));
        }

        console.Write(table);
        return 0;
    }
}
