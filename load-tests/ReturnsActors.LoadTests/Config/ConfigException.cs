namespace ReturnsActors.LoadTests.Config;

/// <summary>The configuration or command line cannot be used; the CLI exits with code 2.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
