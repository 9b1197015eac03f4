namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>Scenario factories by name.</summary>
public sealed class ScenarioRegistry
{
    private readonly SortedDictionary<string, IScenarioFactory> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every factory defined in this assembly.</summary>
    public static ScenarioRegistry BuiltIn()
    {
        var registry = new ScenarioRegistry();
        var factories = typeof(IScenarioFactory).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScenarioFactory).IsAssignableFrom(t))
            .Where(t => t.GetConstructor(Type.EmptyTypes) is not null);
        foreach (var type in factories)
        {
            registry.Register((IScenarioFactory)Activator.CreateInstance(type)!);
        }

        return registry;
    }

    public IEnumerable<IScenarioFactory> All => _factories.Values;

    public ScenarioRegistry Register(IScenarioFactory factory)
    {
        if (!_factories.TryAdd(factory.Name, factory))
        {
            throw new InvalidOperationException($"A scenario named '{factory.Name}' is already registered.");
        }

        return this;
    }

    public IScenarioFactory? Find(string name) => _factories.GetValueOrDefault(name);
}
