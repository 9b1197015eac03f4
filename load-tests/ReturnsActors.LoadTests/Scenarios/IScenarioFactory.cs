using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>
/// Builds a scenario's steps by name. Any non-abstract implementation with a public parameterless
/// constructor in this assembly is registered automatically; the load shape comes from the config.
/// </summary>
public interface IScenarioFactory
{
    /// <summary>The type name used in the config's <c>type</c> field and shown by <c>list</c>.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>Builds the scenario; it must be named <see cref="ScenarioFactoryContext.ScenarioName"/>.</summary>
    Scenario Create(ScenarioFactoryContext context);
}
