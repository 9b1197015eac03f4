using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Api.Webhooks;

namespace ReturnsActors.Api.Connectors;

/// <summary>Where one outbound connector channel (<c>email</c>, <c>erp</c>) stands for the tenant: its checkpoint in the event log, how
/// often the event after it has failed, when it is tried again, the last error, and how many dead letters wait for a replay.</summary>
public sealed record ConnectorChannelStatus(
    string Channel, string Checkpoint, int FailedAttempts, DateTimeOffset? NextAttemptAt, string? LastError, int DeadLetters);

/// <summary>An event a connector failed to send <c>Webhooks:MaxAttempts</c> times, parked with its last error; a replay sends it again
/// with the same idempotency key (ERP) or Message-Id (email). Status <c>dead</c>, <c>queued</c> or <c>replayed</c>.</summary>
public sealed record ConnectorDeadLetter(
    string Id, string Channel, string EventType, string RmaId, long Seq, int Attempts, string? Error, DateTimeOffset DeadAt, string Status,
    DateTimeOffset? ReplayedAt);

/// <summary>The connector channels this silo runs.</summary>
public sealed class ConnectorApiOptions
{
    public IReadOnlyList<string> Channels { get; init; } = [];
}

/// <summary>The connectors' progress and dead letters, per tenant.</summary>
public interface IConnectorDeliveryStore
{
    Task<ConnectorChannelStatus> StatusAsync(string tenantId, string channel, CancellationToken cancellationToken);

    Task<IReadOnlyList<ConnectorDeadLetter>> ListDeadLettersAsync(string tenantId, string channel, string? status, int limit, CancellationToken cancellationToken);

    /// <summary>As for webhooks: <c>dead</c> becomes <c>queued</c> (one by id, or all when <paramref name="id"/> is null); the letters concerned.</summary>
    Task<IReadOnlyList<ConnectorDeadLetter>> QueueReplayAsync(string tenantId, string channel, string? id, CancellationToken cancellationToken);
}

/// <summary><c>/v1/connectors</c>: the outbound connectors' state and dead letters for the tenant (tenant admin).</summary>
internal static class ConnectorsApi
{
    public static RouteGroupBuilder MapConnectors(this IEndpointRouteBuilder app)
    {
        var group = app.MapEventsOutGroup("/v1/connectors");
        group.MapGet("/", ListAsync).WithName("ListConnectors")
            .WithSummary("Each connector channel's checkpoint, failed attempts, next attempt, last error and dead-letter count");
        group.MapGet("/{channel}/dead-letters", DeadLettersAsync).WithName("ListConnectorDeadLetters")
            .WithSummary("Events the channel failed to send Webhooks:MaxAttempts times, newest first (status=dead|queued|replayed)");
        group.MapPost("/{channel}/dead-letters/{id}/replay", ReplayAsync).WithName("ReplayConnectorDeadLetter")
            .WithSummary("Queue one dead letter to be sent again with the same idempotency key / Message-Id (202)");
        group.MapPost("/{channel}/dead-letters/replay", ReplayAllAsync).WithName("ReplayConnectorDeadLetters")
            .WithSummary("Queue every dead letter of the channel to be sent again (202)");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<ConnectorChannelStatus>>, ProblemHttpResult>> ListAsync(HttpContext http,
        IConnectorDeliveryStore store, ConnectorApiOptions options, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var list = new List<ConnectorChannelStatus>();
        foreach (var channel in options.Channels)
        {
            list.Add(await store.StatusAsync(tenant, channel, cancellationToken));
        }

        return TypedResults.Ok<IReadOnlyList<ConnectorChannelStatus>>(list);
    }

    private static async Task<Results<Ok<IReadOnlyList<ConnectorDeadLetter>>, NotFound, ProblemHttpResult>> DeadLettersAsync(string channel,
        HttpContext http, IConnectorDeliveryStore store, ConnectorApiOptions options, CancellationToken cancellationToken, string? status = null,
        int? limit = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (WebhooksApi.CheckDeadLetterQuery(status, limit) is { } problem)
        {
            return problem;
        }

        return options.Channels.Contains(channel)
            ? TypedResults.Ok(await store.ListDeadLettersAsync(tenant, channel, status, limit ?? 100, cancellationToken))
            : TypedResults.NotFound();
    }

    private static async Task<Results<Accepted<ConnectorDeadLetter>, NotFound, ProblemHttpResult>> ReplayAsync(string channel, string id,
        HttpContext http, IConnectorDeliveryStore store, ConnectorApiOptions options, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return options.Channels.Contains(channel) && await store.QueueReplayAsync(tenant, channel, id, cancellationToken) is [var letter]
            ? TypedResults.Accepted($"/v1/connectors/{channel}/dead-letters", letter)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Accepted<ReplayResult<ConnectorDeadLetter>>, NotFound, ProblemHttpResult>> ReplayAllAsync(string channel,
        HttpContext http, IConnectorDeliveryStore store, ConnectorApiOptions options, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!options.Channels.Contains(channel))
        {
            return TypedResults.NotFound();
        }

        var letters = await store.QueueReplayAsync(tenant, channel, null, cancellationToken);
        return TypedResults.Accepted($"/v1/connectors/{channel}/dead-letters", new ReplayResult<ConnectorDeadLetter>(letters.Count, letters));
    }
}
