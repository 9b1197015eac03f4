using Npgsql;

namespace ReturnsActors.Silo.Persistence;

/// <summary>A PostgreSQL session advisory lock on a text key, held on a connection of its own until disposed (closing the session
/// would release it too, so a crashed silo never keeps it). Used where exactly one silo at a time may work on something: a webhook
/// subscription, a connector's (tenant, channel), the outbound pruner.</summary>
internal sealed class PgSessionLock : IAsyncDisposable
{
    private readonly string _key;

    private PgSessionLock(NpgsqlConnection connection, string key)
    {
        Connection = connection;
        _key = key;
    }

    /// <summary>The session holding the lock; work done under the lock may use it.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>The lock, or null when another session holds it.</summary>
    public static async Task<PgSessionLock?> TryAcquireAsync(NpgsqlDataSource dataSource, string key, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", connection);
            tryLock.Parameters.AddWithValue("key", key);
            if ((bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return new PgSessionLock(connection, key);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", Connection);
            unlock.Parameters.AddWithValue("key", _key);
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
        finally
        {
            await Connection.DisposeAsync();
        }
    }
}
