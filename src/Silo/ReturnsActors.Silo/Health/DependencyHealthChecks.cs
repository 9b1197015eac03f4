using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace ReturnsActors.Silo.Health;

/// <summary>PostgreSQL answers a trivial query on a pooled connection.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            command.CommandTimeout = 3;
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // Connections pooled before an outage are dead; drop them so recovery is seen on the next probe.
            dataSource.Clear();
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex is NpgsqlException ? null : ex);
        }
    }
}

/// <summary>Redis, which holds cluster membership, answers PING.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = await redis.GetAsync();
            var latency = await multiplexer.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable");
        }
    }
}

/// <summary>One lazily opened multiplexer for the silo's own Redis use (health); Orleans clustering has its own.</summary>
internal sealed class RedisConnection(string connectionString) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer = new(() =>
        ConnectionMultiplexer.ConnectAsync(Hosting.OrleansHosting.RedisOptions(connectionString)));

    public Task<ConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            await (await _multiplexer.Value).DisposeAsync();
        }
    }
}
