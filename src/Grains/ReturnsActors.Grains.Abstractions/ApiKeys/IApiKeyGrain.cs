namespace ReturnsActors.Grains.ApiKeys;

/// <summary>One tenant API key, as the authentication handler needs it. Key: the key id embedded in
/// the key (<c>ra_live_&lt;keyId&gt;_&lt;secret&gt;</c>). It holds a hash of the secret, never the secret.</summary>
public interface IApiKeyGrain : IGrainWithStringKey
{
    /// <summary>Records a new key. Refused when the id is already taken.</summary>
    Task<Rejection?> IssueAsync(IssueApiKey command);

    /// <summary>What authenticating with this key needs, or null when the key was never issued.</summary>
    Task<ApiKeyCredential?> GetCredentialAsync();

    /// <summary>Revokes the key for good; revoking twice is not an error.</summary>
    Task RevokeAsync();
}

/// <summary>The keys of one tenant, for listing and revoking. Key: the tenant id.</summary>
public interface ITenantApiKeysGrain : IGrainWithStringKey
{
    /// <summary>Issues a key of this tenant: lists it here first, then records its credential.</summary>
    Task<ApiKeyResult> CreateAsync(IssueApiKey command);

    /// <summary>Every key of the tenant, revoked ones included, without secrets or hashes.</summary>
    Task<IReadOnlyList<ApiKeyView>> ListAsync();

    /// <summary>Revokes a key of this tenant; NotFound when the tenant has no such key.</summary>
    Task<ApiKeyResult> RevokeAsync(string keyId);
}

/// <summary>Issues an API key.</summary>
/// <param name="KeyId">Random, URL-safe, without underscores.</param>
/// <param name="TenantId">The tenant the key acts for.</param>
/// <param name="Name">What people call the key; 1 to 100 characters.</param>
/// <param name="Roles">One or more of the tenant roles.</param>
/// <param name="SecretHash">SHA-256 of the secret part of the key.</param>
[GenerateSerializer, Immutable, Alias("ra.IssueApiKey")]
public sealed record IssueApiKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Roles,
    [property: Id(4)] byte[] SecretHash);

/// <summary>What the authentication handler compares and the claims it issues.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyCredential")]
public sealed record ApiKeyCredential(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] byte[] SecretHash,
    [property: Id(4)] bool Revoked);

/// <summary>An API key as the API lists it: never the secret, never its hash.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyView")]
public sealed record ApiKeyView(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Roles,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt);

/// <summary>The answer to an API key command: the key, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyResult")]
public sealed record ApiKeyResult([property: Id(0)] ApiKeyView? Key, [property: Id(1)] Rejection? Rejection)
{
    public static ApiKeyResult Ok(ApiKeyView key) => new(key, null);
    public static ApiKeyResult Refused(Rejection rejection) => new(null, rejection);
}
