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

    private static string CacheKey(string keyId) => $"ra.apikey:{keyId}";
}
