using System.Collections.Concurrent;

namespace ReturnsActors.Api.Idempotency;

/// <summary>The Embedded profile's store: one process, nothing durable, like the rest of that profile.</summary>
public sealed class InMemoryIdempotencyStore(TimeProvider time) : IIdempotencyStore
{
    private readonly ConcurrentDictionary<(string Scope, string Key), Entry> _entries = new();

    public Task<IdempotencyClaim> TryBeginAsync(string scope, string key, string fingerprint, DateTimeOffset expiresAt,
        TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        while (true)
        {
            var fresh = new Entry(fingerprint, now, expiresAt, null);
            if (_entries.TryAdd((scope, key), fresh))
            {
                return Task.FromResult(new IdempotencyClaim(IdempotencyClaimState.Claimed, fingerprint, null));
            }

            if (!_entries.TryGetValue((scope, key), out var existing))
            {
                continue;
            }

            var stale = existing.ExpiresAt <= now || (existing.Response is null && existing.LockedAt + lockTimeout <= now);
            if (stale)
            {
                if (_entries.TryUpdate((scope, key), fresh, existing))
                {
                    return Task.FromResult(new IdempotencyClaim(IdempotencyClaimState.Claimed, fingerprint, null));
                }

                continue;
            }

            return Task.FromResult(existing.Response is null
                ? new IdempotencyClaim(IdempotencyClaimState.InFlight, existing.Fingerprint, null)
                : new IdempotencyClaim(IdempotencyClaimState.Completed, existing.Fingerprint, existing.Response));
        }
    }

    public Task CompleteAsync(string scope, string key, StoredResponse response, CancellationToken cancellationToken)
    {
        _entries.AddOrUpdate((scope, key), _ => throw new InvalidOperationException("The key was not claimed."),
            (_, e) => e with { Response = response });
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken)
    {
        _entries.TryRemove((scope, key), out _);
        return Task.CompletedTask;
    }

    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var purged = 0;
        foreach (var (id, entry) in _entries)
        {
            if (entry.ExpiresAt <= now && _entries.TryRemove(new KeyValuePair<(string, string), Entry>(id, entry)))
            {
                purged++;
            }
        }

        return Task.FromResult(purged);
    }

    private sealed record Entry(string Fingerprint, DateTimeOffset LockedAt, DateTimeOffset ExpiresAt, StoredResponse? Response);
}
