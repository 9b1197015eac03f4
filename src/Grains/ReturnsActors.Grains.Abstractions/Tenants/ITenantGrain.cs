namespace ReturnsActors.Grains.Tenants;

/// <summary>One tenant (a merchant or marketplace) of a shared cluster. Key: the tenant id.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Registers the tenant, or returns it unchanged when it already exists with the same name.</summary>
    Task<TenantResult> RegisterAsync(RegisterTenant command);

    /// <summary>The tenant, or null when it was never registered.</summary>
    Task<TenantView?> GetAsync();
}

/// <summary>Registers a tenant.</summary>
/// <param name="DisplayName">What people see; 1 to 200 characters.</param>
[GenerateSerializer, Immutable, Alias("ra.RegisterTenant")]
public sealed record RegisterTenant([property: Id(0)] string DisplayName);

/// <summary>A tenant as the API shows it.</summary>
[GenerateSerializer, Immutable, Alias("ra.TenantView")]
public sealed record TenantView(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] int Version);

/// <summary>The answer to a tenant command: the tenant, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("ra.TenantResult")]
public sealed record TenantResult(
    [property: Id(0)] TenantView? Tenant,
    [property: Id(1)] Rejection? Rejection,
    [property: Id(2)] bool Created)
{
    public static TenantResult Ok(TenantView tenant, bool created) => new(tenant, null, created);
    public static TenantResult Refused(Rejection rejection) => new(null, rejection, false);
}
