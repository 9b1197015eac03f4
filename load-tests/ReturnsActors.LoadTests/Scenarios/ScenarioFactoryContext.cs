using System.Text.Json;
using ReturnsActors.LoadTests.Config;

namespace ReturnsActors.LoadTests.Scenarios;

/// <summary>What a factory gets: the instance name, the target, a ready HTTP client and its settings.</summary>
public sealed class ScenarioFactoryContext(string scenarioName, TargetConfig target, HttpClient http, JsonElement settings)
{
    private static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web);

    public string ScenarioName { get; } = scenarioName;

    public TargetConfig Target { get; } = target;

    /// <summary>Shared client with the base address, API key header and timeout of the target.</summary>
    public HttpClient Http { get; } = http;

    public JsonElement Settings { get; } = settings;

    /// <summary>Reads <paramref name="name"/> from the settings, or returns <paramref name="fallback"/> when absent.</summary>
    public T Setting<T>(string name, T fallback)
    {
        if (Settings.ValueKind != JsonValueKind.Object)
        {
            return fallback;
        }

        foreach (var property in Settings.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    return property.Value.Deserialize<T>(SettingsJson) ?? fallback;
                }
                catch (JsonException ex)
                {
                    throw new ConfigException($"Scenario '{ScenarioName}': setting '{name}' is not a {typeof(T).Name}.", ex);
                }
            }
        }

        return fallback;
    }
}
