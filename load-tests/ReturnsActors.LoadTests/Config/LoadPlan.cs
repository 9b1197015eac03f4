using System.Text.Json;
using ReturnsActors.LoadTests.Harness;
using ReturnsActors.LoadTests.Scenarios;

namespace ReturnsActors.LoadTests.Config;

/// <summary>A config turned into runnable scenarios and thresholds; owns the HTTP client they share.</summary>
public sealed class LoadPlan : IDisposable
{
    private static readonly JsonSerializerOptions ConfigJson = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private readonly HttpClient _http;

    private LoadPlan(HttpClient http, IReadOnlyList<Scenario> scenarios, IReadOnlyList<Threshold> thresholds)
    {
        _http = http;
        Scenarios = scenarios;
        Thresholds = thresholds;
    }

    public IReadOnlyList<Scenario> Scenarios { get; }

    public IReadOnlyList<Threshold> Thresholds { get; }

    /// <exception cref="ConfigException">The file is missing or invalid.</exception>
    public static LoadTestConfig ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"Config file '{path}' does not exist.");
        }

        try
        {
            return JsonSerializer.Deserialize<LoadTestConfig>(File.ReadAllText(path), ConfigJson)
                ?? throw new ConfigException($"Config file '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"Config file '{path}' is not valid: {ex.Message}", ex);
        }
    }

    /// <param name="config">The parsed config.</param>
    /// <param name="registry">Where scenario types are looked up.</param>
    /// <param name="durationOverride">When set, each scenario's phases are scaled to last this long in total.</param>
    /// <exception cref="ConfigException">The config names unknown scenarios or has invalid values.</exception>
    public static LoadPlan Build(LoadTestConfig config, ScenarioRegistry registry, TimeSpan? durationOverride = null)
    {
        if (!Uri.TryCreate(config.Target.BaseUrl, UriKind.Absolute, out var baseUri))
        {
            throw new ConfigException($"target.baseUrl '{config.Target.BaseUrl}' is not an absolute URL.");
        }

        if (config.Scenarios.Count == 0)
        {
            throw new ConfigException("The config has no scenarios.");
        }

        var http = CreateHttpClient(config.Target, baseUri);
        try
        {
            var scenarios = new List<Scenario>();
            var thresholds = new List<Threshold>();
            foreach (var entry in config.Scenarios)
            {
                scenarios.Add(BuildScenario(entry, config.Target, http, registry, durationOverride));
                thresholds.AddRange(entry.Thresholds.Select(t => BuildThreshold(entry.Name, t)));
            }

            // Validates names and thresholds the same way a run would, so errors surface as usage errors.
            _ = new LoadTestRunner(scenarios, thresholds);
            return new LoadPlan(http, scenarios, thresholds);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            http.Dispose();
            throw new ConfigException(ex.Message, ex);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();

    private static Scenario BuildScenario(
        ScenarioConfig entry, TargetConfig target, HttpClient http, ScenarioRegistry registry, TimeSpan? durationOverride)
    {
        if (string.IsNullOrWhiteSpace(entry.Name))
        {
            throw new ConfigException("Every scenario needs a name.");
        }

        var type = entry.Type ?? entry.Name;
        var factory = registry.Find(type)
            ?? throw new ConfigException($"Scenario '{entry.Name}': unknown type '{type}'. Known: {string.Join(", ", registry.All.Select(f => f.Name))}.");
        var scenario = factory.Create(new ScenarioFactoryContext(entry.Name, target, http, entry.Settings));
        if (scenario.Name != entry.Name)
        {
            throw new ConfigException($"Scenario type '{type}' built a scenario named '{scenario.Name}' instead of '{entry.Name}'.");
        }

        var simulations = entry.Simulations.Select(s => BuildSimulation(entry.Name, s)).ToArray();
        if (durationOverride is { } total && simulations.Length > 0)
        {
            var factor = total / simulations.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.During);
            simulations = [.. simulations.Select(s => s with { During = s.During * factor })];
        }

        scenario = scenario.WithLoadSimulations(simulations).WithWarmUp(Duration.Parse(entry.WarmUp));
        if (entry.MaxDuration is { } maxDuration)
        {
            scenario = scenario.WithMaxDuration(Duration.Parse(maxDuration));
        }

        if (entry.MaxIterations is { } maxIterations)
        {
            scenario = scenario.WithMaxIterations(maxIterations);
        }

        if (entry.MaxConcurrency is { } maxConcurrency)
        {
            scenario = scenario.WithMaxConcurrency(maxConcurrency);
        }

        return scenario;
    }

    private static LoadSimulation BuildSimulation(string scenario, SimulationConfig config)
    {
        var during = Duration.Parse(config.During);
        var interval = Duration.Parse(config.Interval);
        int Copies() => config.Copies ?? throw new ConfigException($"Scenario '{scenario}': '{config.Kind}' needs 'copies'.");
        double Rate() => config.Rate ?? throw new ConfigException($"Scenario '{scenario}': '{config.Kind}' needs 'rate'.");
        return config.Kind.ToLowerInvariant() switch
        {
            "keep-constant" => new LoadSimulation.KeepConstant(Copies(), during),
            "ramping-constant" => new LoadSimulation.RampingConstant(Copies(), during),
            "inject" => new LoadSimulation.Inject(Rate(), interval, during),
            "ramping-inject" => new LoadSimulation.RampingInject(Rate(), interval, during),
            _ => throw new ConfigException(
                $"Scenario '{scenario}': unknown simulation kind '{config.Kind}' (keep-constant, ramping-constant, inject, ramping-inject)."),
        };
    }

    private static Threshold BuildThreshold(string scenario, ThresholdConfig config) =>
        Threshold.Parse(scenario, config.Step, config.Check) with
        {
            AbortOnFail = config.AbortOnFail,
            StartCheckAfter = Duration.Parse(config.StartCheckAfter),
        };

    private static HttpClient CreateHttpClient(TargetConfig target, Uri baseUri)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = target.MaxConnectionsPerServer > 0 ? target.MaxConnectionsPerServer : int.MaxValue,
        };
        var http = new HttpClient(handler) { BaseAddress = baseUri, Timeout = Duration.Parse(target.Timeout) };
        if (!string.IsNullOrEmpty(target.ApiKey))
        {
            http.DefaultRequestHeaders.Add(target.ApiKeyHeader, target.ApiKey);
        }

        foreach (var (name, value) in target.Headers)
        {
            http.DefaultRequestHeaders.Add(name, value);
        }

        return http;
    }
}
