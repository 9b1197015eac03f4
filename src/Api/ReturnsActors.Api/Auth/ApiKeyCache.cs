using Microsoft.Extensions.Caching.Memory;
using ReturnsActors.Grains.ApiKeys;

namespace ReturnsActors.Api.Auth;

/// <summary>Keeps loaded credentials for a few seconds so that every request does not call a grain.
/// A revocation through this silo evicts at once; other silos see it when their entry expires.</summary>
internal sealed class ApiKeyCache(IGrainFactory grains, IMemoryCache cache, ReturnsApiOptions options)
{
    public async Task<ApiKeyCredential?> GetAsync(string keyId)
    {
        var cacheKey = CacheKey(keyId);
        if (cache.TryGetValue(cacheKey, out ApiKeyCredential? cached))
        {
            return cached;
        }

        var credential = await grains.GetGrain<IApiKeyGrain>(keyId).GetCredentialAsync();
        if (credential is not null && options.ApiKeyCacheDuration > TimeSpan.Zero)
        {
            // Unknown ids are not cached: guessing them must not fill the cache.
            cache.Set(cacheKey, credential, options.ApiKeyCacheDuration);
        }

        return credential;
    }

    public void Evict(string keyId) => cache.Remove(CacheKey(keyId));

    /// <summary>Loads the credential from its grain, past the cache (after a secret that did not match).</summary>
    public Task<ApiKeyCredential?> ReloadAsync(string keyId)
    {
        Evict(keyId);
        return GetAsync(keyId);
    }

    /// <summary>Tells the key's grain it was used, at most once a minute per key from this silo.</summary>
    public void RecordUse(string keyId, DateTimeOffset now)
    {
        var usedKey = $"ra.apikey.used:{keyId}";
        if (cache.TryGetValue(usedKey, out _))
        {
            return;
        }

        cache.Set(usedKey, true, TimeSpan.FromMinutes(1));
        _ = grains.GetGrain<IApiKeyGrain>(keyId).TouchAsync(now);
    }

    private static string CacheKey(string keyId) => $"ra.apikey:{keyId}";
}
