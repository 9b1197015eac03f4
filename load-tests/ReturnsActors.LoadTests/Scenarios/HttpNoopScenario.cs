using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>GETs one cheap URL, e.g. <c>/health/live</c>, as the HTTP ceiling the other scenarios compare with.</summary>
public sealed class HttpNoopScenario : IScenarioFactory
{
    public string Name => "http-noop";

    public string Description => "GET one cheap URL (setting 'path', default /health/live): the HTTP-ceiling baseline.";

    public Scenario Create(ScenarioFactoryContext context)
    {
        var path = context.Setting("path", "/health/live");
        var http = context.Http;
        return Scenario.Create(
            context.ScenarioName,
            new Step("get", step => HttpStep.GetAsync(http, path, step.CancellationToken)));
    }
}
