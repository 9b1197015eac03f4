namespace ReturnsActors.Grains.Inbound;

/// <summary>A tenant's webhook signing secrets, one per partner adapter. Key: <c>{tenantId}</c>.</summary>
public interface IPartnerSecretsGrain : IGrainWithStringKey
{
    /// <summary>Sets (or rotates) the secret of <paramref name="partner"/>.</summary>
    Task SetAsync(string partner, string secret);

    /// <summary>The secret of <paramref name="partner"/>, or null when none was set.</summary>
    Task<string?> GetAsync(string partner);
}
