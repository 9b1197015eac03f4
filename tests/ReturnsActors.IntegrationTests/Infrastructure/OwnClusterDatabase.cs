namespace ReturnsActors.IntegrationTests.Infrastructure;

/// <summary>A test class with a PostgreSQL database of its own, created before its tests and dropped after, and Cluster-profile silo
/// settings on it with fast outbound retries.</summary>
public abstract class OwnClusterDatabase(string prefix, string adminKey) : IAsyncLifetime
{
    protected string Database { get; private set; } = "";

    protected string AdminKey => adminKey;

    public async Task InitializeAsync() => Database = await TestEnvironment.CreateDatabaseAsync(prefix);

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(Database);

    /// <summary>Settings of a silo of a new cluster on this database.</summary>
    protected Dictionary<string, string> ClusterSettings() =>
        OwnEmbeddedSilo.FastRetries(SiloProcess.ClusterSettings(Database, $"{prefix}-{Guid.NewGuid():N}", adminKey));
}
