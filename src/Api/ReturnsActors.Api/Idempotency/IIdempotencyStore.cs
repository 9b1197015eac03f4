namespace ReturnsActors.Api.Idempotency;

/// <summary>Remembers <c>Idempotency-Key</c>s and the responses they produced. In memory in the Embedded
/// profile; in PostgreSQL in the Cluster profile, so a key outlives the silo that first saw it.</summary>
public interface IIdempotencyStore
{
    /// <summary>Claims <paramref name="key"/> for a request, or reports what the key already holds.</summary>
    /// <param name="scope">Whose key it is (a tenant, or a caller without one): keys of two callers never meet.</param>
    /// <param name="key">The client's <c>Idempotency-Key</c>.</param>
    /// <param name="fingerprint">Method, path and body hash of the request.</param>
    /// <param name="expiresAt">When the key may be forgotten.</param>
    /// <param name="lockTimeout">A claim older than this with no response is taken to be from a request that died.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string fingerprint, DateTimeOffset expiresAt,
        TimeSpan lockTimeout, CancellationToken cancellationToken);

    /// <summary>Stores the response of a claimed key.</summary>
    Task CompleteAsync(string scope, string key, StoredResponse response, CancellationToken cancellationToken);

    /// <summary>Forgets a claim whose response is not to be kept (5xx, 409, 429, or an exception), so the client may retry.</summary>
    Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken);

    /// <summary>Deletes expired keys; returns how many.</summary>
    Task<int> PurgeExpiredAsync(CancellationToken cancellationToken);
}

public enum IdempotencyClaimState
{
    /// <summary>The key was free: this request runs and its response is stored.</summary>
    Claimed = 0,

    /// <summary>Another request with this key has not finished.</summary>
    InFlight = 1,

    /// <summary>A request with this key finished; <see cref="IdempotencyClaim.Response"/> holds its response.</summary>
    Completed = 2,
}

/// <summary>The outcome of <see cref="IIdempotencyStore.TryBeginAsync"/>.</summary>
public sealed record IdempotencyClaim(IdempotencyClaimState State, string Fingerprint, StoredResponse? Response);

/// <summary>A response as it is replayed: status, the headers that matter, and the body.</summary>
public sealed record StoredResponse(int StatusCode, string? ContentType, string? Location, byte[] Body);
