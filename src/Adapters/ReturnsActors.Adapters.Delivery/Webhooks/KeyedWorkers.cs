using System.Collections.Concurrent;

namespace ReturnsActors.Silo.Webhooks;

/// <summary>Runs the work of at most <c>parallelism</c> keys at once and each key at most once at a time, without waiting for a whole
/// pass to finish: a slow key (a slow subscriber, a slow SMTP server) holds one slot and delays no other key. The dispatchers use one
/// key per subscription or per (tenant, channel), which keeps each key's events in order.</summary>
internal sealed class KeyedWorkers<TKey>(int parallelism) where TKey : notnull
{
    private readonly SemaphoreSlim _slots = new(parallelism, parallelism);
    private readonly ConcurrentDictionary<TKey, bool> _running = new();

    /// <summary>Starts <paramref name="work"/> for <paramref name="key"/> unless that key is still running; waits for a free slot first,
    /// so every key of a pass gets its turn (skipping keys when the slots are taken would starve the keys late in the list: the first
    /// ones would take the free slots again on every pass). <paramref name="work"/> handles its own errors. False when the key was
    /// still running.</summary>
    public async Task<bool> StartAsync(TKey key, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (_running.ContainsKey(key))
        {
            return false;
        }

        await _slots.WaitAsync(cancellationToken);
        if (!_running.TryAdd(key, true))
        {
            _slots.Release();
            return false;
        }

        _ = RunAsync(key, work, cancellationToken);
        return true;
    }

    /// <summary>Waits until every started work has finished (at shutdown).</summary>
    public async Task DrainAsync()
    {
        for (var i = 0; i < parallelism; i++)
        {
            await _slots.WaitAsync();
        }

        _slots.Release(parallelism);
    }

    private async Task RunAsync(TKey key, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            await work(cancellationToken);
        }
        finally
        {
            _running.TryRemove(key, out _);
            _slots.Release();
        }
    }
}
