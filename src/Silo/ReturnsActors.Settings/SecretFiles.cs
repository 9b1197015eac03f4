namespace ReturnsActors.Silo.Settings;

/// <summary>Settings read from files, so secrets need not sit in environment variables or appsettings: every file of
/// <c>ReturnsActors:SecretsDirectory</c> (default <c>/run/secrets</c>) named like the environment variable
/// (<c>ReturnsActors__Postgres__ConnectionString</c>), and every setting given as <c>&lt;Key&gt;_FILE</c> (the Docker image
/// convention: <c>ReturnsActors__Bootstrap__AdminApiKey_FILE=/run/secrets/admin-key</c>). A file's trailing newline is dropped.
/// Both win over the other sources.</summary>
public static class SecretFiles
{
    public const string DefaultDirectory = "/run/secrets";
    public const string FileSuffix = "_FILE";

    public static TBuilder AddReturnsSecretFiles<TBuilder>(this TBuilder builder)
        where TBuilder : IConfigurationBuilder
    {
        var directory = builder.Build()[$"{ReturnsActorsSettings.Section}:{nameof(ReturnsActorsSettings.SecretsDirectory)}"] ?? DefaultDirectory;
        if (!string.IsNullOrWhiteSpace(directory))
        {
            builder.AddKeyPerFile(source =>
            {
                source.FileProvider = Directory.Exists(directory) ? new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory) : null;
                source.Optional = true;
                // Only our own settings: the directory may hold other programs' secrets too.
                source.IgnoreCondition = name => !name.StartsWith($"{ReturnsActorsSettings.Section}__", StringComparison.OrdinalIgnoreCase);
            });
        }

        var fromFiles = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, path) in builder.Build().AsEnumerable())
        {
            if (!key.EndsWith(FileSuffix, StringComparison.Ordinal) || string.IsNullOrWhiteSpace(path)
                || !key.StartsWith($"{ReturnsActorsSettings.Section}:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                fromFiles[key[..^FileSuffix.Length]] = File.ReadAllText(path).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"Invalid setting {key}: cannot read '{path}' ({ex.GetType().Name}).");
            }
        }

        if (fromFiles.Count > 0)
        {
            builder.AddInMemoryCollection(fromFiles);
        }

        return builder;
    }
}
