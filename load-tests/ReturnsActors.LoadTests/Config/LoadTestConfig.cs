using System.Text.Json;

namespace ReturnsActors.LoadTests.Config;

/// <summary>The <c>loadtest.json</c> file: what to hit, which scenarios, how hard, and the pass criteria.</summary>
public sealed class LoadTestConfig
{
    public TargetConfig Target { get; set; } = new();

    public List<ScenarioConfig> Scenarios { get; set; } = [];
}

/// <summary>The system under test.</summary>
public sealed class TargetConfig
{
    public string BaseUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Sent on every request in <see cref="ApiKeyHeader"/> when set.</summary>
    public string? ApiKey { get; set; }

    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>Per-request timeout; a timed-out request fails with status <c>timeout</c>.</summary>
    public string Timeout { get; set; } = "30s";

    /// <summary>Connections per server; 0 means unlimited.</summary>
    public int MaxConnectionsPerServer { get; set; }

    /// <summary>Extra headers sent on every request (e.g. <c>X-Tenant-Id</c> for a platform-admin key).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];
}

/// <summary>One scenario instance: a built-in type plus its load shape and thresholds.</summary>
public sealed class ScenarioConfig
{
    /// <summary>Instance name, unique in the run, used in reports and thresholds.</summary>
    public string Name { get; set; } = "";

    /// <summary>Built-in scenario type (see <c>list</c>); defaults to <see cref="Name"/>.</summary>
    public string? Type { get; set; }

    public string WarmUp { get; set; } = "0s";

    public string? MaxDuration { get; set; }

    public long? MaxIterations { get; set; }

    public int? MaxConcurrency { get; set; }

    public List<SimulationConfig> Simulations { get; set; } = [];

    public List<ThresholdConfig> Thresholds { get; set; } = [];

    /// <summary>Type-specific settings, read by the scenario factory.</summary>
    public JsonElement Settings { get; set; }
}

/// <summary>One load phase: <c>keep-constant</c>, <c>ramping-constant</c>, <c>inject</c> or <c>ramping-inject</c>.</summary>
public sealed class SimulationConfig
{
    public string Kind { get; set; } = "";

    public int? Copies { get; set; }

    public double? Rate { get; set; }

    public string Interval { get; set; } = "1s";

    public string During { get; set; } = "";
}

/// <summary>A threshold on the scenario (no step) or on one step.</summary>
public sealed class ThresholdConfig
{
    public string? Step { get; set; }

    /// <summary>Expression such as <c>p99_ms &lt; 500</c>.</summary>
    public string Check { get; set; } = "";

    public bool AbortOnFail { get; set; }

    public string StartCheckAfter { get; set; } = "0s";
}
