using System.Collections.Concurrent;

namespace ReturnsActors.Api.DeadLetters;

/// <summary>A payload that could not be parsed, mapped or applied, kept with why and what came in, so it can be fixed and replayed.</summary>
public sealed record DeadLetter(
    string Id,
    string TenantId,
    string Source,
    string ReasonCode,
    string Reason,
    string? EventId,
    string? RmaId,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    DateTimeOffset ReceivedAt,
    string Status = DeadLetterStatus.Pending,
    int ReplayAttempts = 0,
    DateTimeOffset? ReplayedAt = null,
    string? LastReplayError = null);

public static class DeadLetterStatus
{
    public const string Pending = "pending";
    public const string Replayed = "replayed";
}

/// <summary>Where dead letters live: PostgreSQL (<c>dead_letters</c>) in the Cluster profile, memory in Embedded.
/// <see cref="AddAsync"/> returns only once the letter is durable.</summary>
public interface IDeadLetterStore
{
    Task AddAsync(DeadLetter letter, CancellationToken cancellationToken);

    Task<DeadLetter?> GetAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="tenantId"/> null lists every tenant (operators' CLI).</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(string? tenantId, string? status, int limit, CancellationToken cancellationToken);

    /// <summary>Records a replay attempt: success marks the letter replayed.</summary>
    Task RecordReplayAsync(string tenantId, string id, bool succeeded, string? error, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>The Embedded profile's store: lost when the process stops, like everything else there.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly ConcurrentDictionary<(string Tenant, string Id), DeadLetter> _letters = new();

    public Task AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        _letters[(letter.TenantId, letter.Id)] = letter;
        return Task.CompletedTask;
    }

    public Task<DeadLetter?> GetAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        Task.FromResult(_letters.GetValueOrDefault((tenantId, id)));

    public Task<IReadOnlyList<DeadLetter>> ListAsync(string? tenantId, string? status, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DeadLetter>>(_letters.Values
            .Where(l => (tenantId is null || l.TenantId == tenantId) && (status is null || l.Status == status))
            .OrderByDescending(l => l.ReceivedAt).ThenByDescending(l => l.Id)
            .Take(limit)
            .ToList());

    public Task RecordReplayAsync(string tenantId, string id, bool succeeded, string? error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        _letters.AddOrUpdate((tenantId, id), _ => throw new KeyNotFoundException(id), (_, l) => l with
        {
            ReplayAttempts = l.ReplayAttempts + 1,
            Status = succeeded ? DeadLetterStatus.Replayed : l.Status,
            ReplayedAt = succeeded ? at : l.ReplayedAt,
            LastReplayError = succeeded ? null : error,
        });
        return Task.CompletedTask;
    }
}
