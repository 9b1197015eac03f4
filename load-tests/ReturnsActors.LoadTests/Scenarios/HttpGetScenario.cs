using ReturnsActors.LoadTests.Config;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>GETs the configured paths round-robin, one per iteration.</summary>
public sealed class HttpGetScenario : IScenarioFactory
{
    public string Name => "http-get";

    public string Description => "GET the paths in setting 'paths' round-robin, one request per iteration.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var paths = context.Setting<string[]>("paths", []);
        if (paths.Length == 0)
        {
            throw new ConfigException($"Scenario '{context.ScenarioName}': http-get needs a non-empty 'paths' setting.");
        }

        var http = context.Http;
        long next = -1;
        return Scenario.Create(
            context.ScenarioName,
            new Step("get", step =>
            {
                var index = (int)((ulong)Interlocked.Increment(ref next) % (ulong)paths.Length);
                return HttpStep.GetAsync(http, paths[index], step.CancellationToken);
            }));
    }
}
