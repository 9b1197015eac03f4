using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Ingest;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;

namespace ReturnsActors.Api.DeadLetters;

/// <summary>The answer of a replay: the letter as it is now and what the replay did.</summary>
public sealed record ReplayResponse(DeadLetter DeadLetter, string Status, EventProblem? Problem);

/// <summary><c>/v1/dead-letters</c>: the tenant's unprocessable payloads, listed, read and replayed.</summary>
internal static class DeadLettersApi
{
    public static RouteGroupBuilder MapDeadLetters(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/dead-letters").WithTags("Events in")
            .RequireAuthorization(Actions.EventsDeadLetters);
        group.MapGet("/", ListAsync).WithName("ListDeadLetters").WithSummary("Dead letters, newest first (status=pending|replayed)");
        group.MapGet("/{id}", GetAsync).WithName("GetDeadLetter").WithSummary("One dead letter with its reason, headers and raw body");
        group.MapPost("/{id}/replay", ReplayAsync).WithName("ReplayDeadLetter").WithSummary("Re-run the mapping and apply; success marks it replayed");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<DeadLetter>>, ProblemHttpResult>> ListAsync(HttpContext http, IDeadLetterStore store,
        CancellationToken cancellationToken, string? status = null, int? limit = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (limit is < 1 or > 500)
        {
            return RejectionResults.Invalid("limit", "Must be between 1 and 500.");
        }

        if (status is not null and not DeadLetterStatus.Pending and not DeadLetterStatus.Replayed)
        {
            return RejectionResults.Invalid("status", "Use pending or replayed.");
        }

        return TypedResults.Ok(await store.ListAsync(tenant, status, limit ?? 100, cancellationToken));
    }

    private static async Task<Results<Ok<DeadLetter>, NotFound, ProblemHttpResult>> GetAsync(string id, HttpContext http, IDeadLetterStore store,
        CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        return await store.GetAsync(tenant, id, cancellationToken) is { } letter ? TypedResults.Ok(letter) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<ReplayResponse>, NotFound, ProblemHttpResult>> ReplayAsync(string id, HttpContext http,
        IDeadLetterStore store, InboundProcessor processor, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await store.GetAsync(tenant, id, cancellationToken) is not { } letter)
        {
            return TypedResults.NotFound();
        }

        var outcome = await processor.ReplayAsync(letter, Permissions.For(http.User), cancellationToken);
        var now = await store.GetAsync(tenant, id, cancellationToken) ?? letter;
        if (outcome.Status is EventStatus.Applied or EventStatus.Duplicate or EventStatus.Ignored)
        {
            return TypedResults.Ok(new ReplayResponse(now, outcome.Status, outcome.Problem));
        }

        var problem = outcome.Problem!;
        return TypedResults.Problem(statusCode: problem.Status is 404 or 503 ? StatusCodes.Status409Conflict : problem.Status,
            title: "The replay did not go through; the dead letter stays pending.", detail: problem.Detail,
            extensions: new Dictionary<string, object?> { ["code"] = problem.Code, ["deadLetterId"] = id });
    }
}
