namespace ReturnsActors.Grains;

/// <summary>Names of the Orleans providers every silo registers, whatever its profile.</summary>
public static class StorageNames
{
    /// <summary>Grain state of the return process: RMAs, tenants, policies, warehouses, suppliers.</summary>
    public const string Returns = "returns";
}
