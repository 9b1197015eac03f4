namespace ReturnsActors.Grains.Inbound;

/// <summary>A tenant's webhook signing secrets, one per partner adapter, as the API encrypted them (the grain never sees the plain
/// secret). Key: <c>{tenantId}</c>.</summary>
public interface IPartnerSecretsGrain : IGrainWithStringKey
{
    /// <summary>Sets (or rotates) the encrypted secret of <paramref name="partner"/>.</summary>
    Task SetAsync(string partner, string secret);

    /// <summary>The encrypted secret of <paramref name="partner"/>, or null when none was set.</summary>
    Task<string?> GetAsync(string partner);
}

/// <summary>Which return a parcel belongs to, learned when the return's <c>label.created</c> event is drained
/// (REST, ingest or a partner adapter alike). Key: <c>{tenantId}/{trackingNumber}</c>.</summary>
public interface ITrackingIndexGrain : IGrainWithStringKey
{
    /// <summary>Records the return of this tracking number (the latest label wins).</summary>
    Task SetAsync(string rmaId);

    /// <summary>The return, or null when no label with this tracking number was seen.</summary>
    Task<string?> GetAsync();
}
