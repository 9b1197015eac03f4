namespace ReturnsActors.IntegrationTests;

/// <summary>Tests that start silo processes run one at a time: the machine has two cores.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterProcessCollection : ICollectionFixture<Infrastructure.EmbeddedApiSilo>
{
    public const string Name = "Silo processes";
}
