using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReturnsActors.Api.Audit;

/// <summary>One request to the API: who (<c>Subject</c>, <c>KeyId</c>), what (<c>Method</c>, <c>Route</c> template, <c>Path</c>,
/// <c>Action</c> = the endpoint's name), when (<c>At</c>, <c>DurationMs</c>) and how it ended (<c>Status</c>, <c>Outcome</c>:
/// <c>ok</c> 2xx/3xx, <c>denied</c> 401/403, <c>refused</c> another 4xx, <c>error</c> 5xx). <c>TenantId</c> is the caller's tenant
/// (a platform admin's named tenant), null when nobody could be authenticated; <c>Id</c> orders the records.</summary>
public sealed record AccessRecord(
    long Id,
    string? TenantId,
    DateTimeOffset At,
    string Subject,
    string? KeyId,
    string Method,
    string Route,
    string Path,
    string? Action,
    int Status,
    string Outcome,
    int DurationMs,
    string? RemoteIp)
{
    public static string OutcomeOf(int status) => status switch
    {
        401 or 403 => "denied",
        >= 500 => "error",
        >= 400 => "refused",
        _ => "ok",
    };
}

/// <summary>A search of a tenant's access records, newest first; <see cref="BeforeId"/> pages on.</summary>
public sealed record AccessQuery(
    string TenantId,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Subject = null,
    string? KeyId = null,
    string? Action = null,
    string? Outcome = null,
    int Limit = 100,
    long? BeforeId = null);

/// <summary>Where access records are kept: PostgreSQL in Cluster, memory in Embedded.</summary>
public interface IAccessAuditStore
{
    Task AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccessRecord>> QueryAsync(AccessQuery query, CancellationToken cancellationToken);

    /// <summary>The tenant's retention in days, or null for the default.</summary>
    Task<int?> GetRetentionDaysAsync(string tenantId, CancellationToken cancellationToken);

    Task SetRetentionDaysAsync(string tenantId, int days, CancellationToken cancellationToken);

    /// <summary>Deletes records older than each tenant's retention (<paramref name="defaultDays"/> where none is set); how many.</summary>
    Task<int> PruneAsync(DateTimeOffset now, int defaultDays, CancellationToken cancellationToken);
}

/// <summary><c>ReturnsActors:Audit</c>.</summary>
public sealed class AccessAuditOptions
{
    public const string Section = "ReturnsActors:Audit";

    /// <summary>How long access records are kept when the tenant set nothing.</summary>
    [Range(1, 3650)]
    public int AccessRetentionDays { get; set; } = 365;

    /// <summary>How often old records are deleted.</summary>
    [Range(1, 1440)]
    public int PruneIntervalMinutes { get; set; } = 60;

    /// <summary>Records waiting to be written; past it new ones are dropped and counted, never the request.</summary>
    [Range(100, 1_000_000)]
    public int QueueCapacity { get; set; } = 20_000;
}

/// <summary>Takes records from requests without waiting for the database and writes them in batches. A full queue drops the
/// record (counted in <c>returnsactors.access_audit.dropped</c>): an audit outage must not stop returns from moving.</summary>
public sealed class AccessAuditWriter(IAccessAuditStore store, IOptions<AccessAuditOptions> options, TimeProvider time,
    ILogger<AccessAuditWriter> logger, IMeterFactory meters) : BackgroundService
{
    private const int MaxBatch = 500;
    private readonly Channel<AccessRecord> _queue = Channel.CreateBounded<AccessRecord>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Counter<long> _dropped = meters.Create("ReturnsActors").CreateCounter<long>("returnsactors.access_audit.dropped");

    public void Record(AccessRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var prune = PruneLoopAsync(stoppingToken);
        var batch = new List<AccessRecord>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var record))
                {
                    batch.Add(record);
                }

                await WriteAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is queued is written below.
        }

        while (_queue.Reader.TryRead(out var record))
        {
            batch.Add(record);
        }

        await WriteAsync(batch, CancellationToken.None);
        await prune;
    }

    private async Task WriteAsync(List<AccessRecord> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                await store.AppendAsync(batch, cancellationToken);
                batch.Clear();
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 5)
            {
                logger.LogWarning(ex, "Access audit write failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Access audit write failed; {Count} records dropped", batch.Count);
                _dropped.Add(batch.Count);
                batch.Clear();
            }
        }
    }

    private async Task PruneLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.PruneIntervalMinutes), time);
        try
        {
            do
            {
                try
                {
                    var deleted = await store.PruneAsync(time.GetUtcNow(), options.Value.AccessRetentionDays, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogInformation("Pruned {Count} access records past their tenant's retention", deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Access audit pruning failed; next try in {Minutes} min", options.Value.PruneIntervalMinutes);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The Embedded profile's store: nothing survives the process.</summary>
public sealed class InMemoryAccessAuditStore : IAccessAuditStore
{
    private readonly List<AccessRecord> _records = [];
    private readonly ConcurrentDictionary<string, int> _retention = new(StringComparer.Ordinal);
    private long _nextId;

    public Task AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            _records.AddRange(records.Select(r => r with { Id = ++_nextId }));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AccessRecord>> QueryAsync(AccessQuery q, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            return Task.FromResult<IReadOnlyList<AccessRecord>>(_records
                .Where(r => r.TenantId == q.TenantId && (q.From is null || r.At >= q.From) && (q.To is null || r.At < q.To)
                    && (q.Subject is null || r.Subject == q.Subject) && (q.KeyId is null || r.KeyId == q.KeyId)
                    && (q.Action is null || r.Action == q.Action) && (q.Outcome is null || r.Outcome == q.Outcome)
                    && (q.BeforeId is null || r.Id < q.BeforeId))
                .OrderByDescending(r => r.Id).Take(q.Limit).ToList());
        }
    }

    public Task<int?> GetRetentionDaysAsync(string tenantId, CancellationToken cancellationToken) =>
        Task.FromResult(_retention.TryGetValue(tenantId, out var days) ? days : (int?)null);

    public Task SetRetentionDaysAsync(string tenantId, int days, CancellationToken cancellationToken)
    {
        _retention[tenantId] = days;
        return Task.CompletedTask;
    }

    public Task<int> PruneAsync(DateTimeOffset now, int defaultDays, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            return Task.FromResult(_records.RemoveAll(r =>
                r.At < now.AddDays(-(r.TenantId is not null && _retention.TryGetValue(r.TenantId, out var d) ? d : defaultDays))));
        }
    }
}
