using Orleans.Concurrency;

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

    /// <summary>Gives the key a new secret; the previous one keeps authenticating until <paramref name="previousValidUntil"/>
    /// (now, for no overlap). Refused for a revoked or unknown key.</summary>
    Task<Rejection?> RotateAsync(byte[] newSecretHash, DateTimeOffset previousValidUntil);

    /// <summary>Records that the key authenticated a request at <paramref name="at"/> (callers send it at most once a minute).</summary>
    [OneWay]
    Task TouchAsync(DateTimeOffset at);

    /// <summary>When the key last authenticated, and when it was last rotated.</summary>
    Task<ApiKeyUsage> GetUsageAsync();
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
/// <param name="Scopes">When given, the key may take only these actions (of those its roles allow).</param>
/// <param name="ExpiresAt">When given, the key stops authenticating then.</param>
/// <param name="Carrier">When given, the key acts only on returns whose label is with this carrier.</param>
[GenerateSerializer, Immutable, Alias("ra.IssueApiKey")]
public sealed record IssueApiKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Roles,
    [property: Id(4)] byte[] SecretHash,
    [property: Id(5)] IReadOnlyList<string>? Scopes = null,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] string? Carrier = null);

/// <summary>What the authentication handler compares and the claims it issues.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyCredential")]
public sealed record ApiKeyCredential(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] IReadOnlyList<string> Roles,
    [property: Id(3)] byte[] SecretHash,
    [property: Id(4)] bool Revoked,
    [property: Id(5)] IReadOnlyList<string>? Scopes = null,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] string? Carrier = null,
    [property: Id(8)] byte[]? PreviousSecretHash = null,
    [property: Id(9)] DateTimeOffset? PreviousValidUntil = null);

/// <summary>When a key was last used and rotated.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyUsage")]
public sealed record ApiKeyUsage(
    [property: Id(0)] DateTimeOffset? LastUsedAt,
    [property: Id(1)] DateTimeOffset? RotatedAt,
    [property: Id(2)] DateTimeOffset? PreviousValidUntil);

/// <summary>An API key as the API lists it: never the secret, never its hash.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyView")]
public sealed record ApiKeyView(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string Name,
    [property: Id(3)] IReadOnlyList<string> Roles,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt,
    [property: Id(6)] IReadOnlyList<string>? Scopes = null,
    [property: Id(7)] DateTimeOffset? ExpiresAt = null,
    [property: Id(8)] string? Carrier = null,
    [property: Id(9)] DateTimeOffset? LastUsedAt = null,
    [property: Id(10)] DateTimeOffset? RotatedAt = null,
    [property: Id(11)] DateTimeOffset? PreviousValidUntil = null);

/// <summary>The answer to an API key command: the key, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("ra.ApiKeyResult")]
public sealed record ApiKeyResult([property: Id(0)] ApiKeyView? Key, [property: Id(1)] Rejection? Rejection)
{
    public static ApiKeyResult Ok(ApiKeyView key) => new(key, null);
    public static ApiKeyResult Refused(Rejection rejection) => new(null, rejection);
}
