using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Api.Tasks;

public sealed record ClaimTaskRequest(string? Assignee);

public sealed record AssignTaskRequest(string? Assignee);

/// <summary>Completes a task with its decision (e.g. <c>approve</c> or <c>decline</c> for a review task).</summary>
public sealed record CompleteTaskRequest(string? Outcome, string? Note);

public sealed record EscalateTaskRequest(string? Reason, string? ToQueue);

/// <summary><c>/v1/tasks/{queue}</c>: the human-in-the-loop queues (review, fraud, escalations, ...).</summary>
internal static class TasksApi
{
    public static RouteGroupBuilder MapTasks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/tasks/{queue}").WithTags("Tasks").RequireAuthorization(Actions.RmasRead).ProducesCommandProblems();
        group.MapGet("/", ListAsync).WithName("ListTasks").WithSummary("Tasks of a queue, optionally by status");
        group.MapGet("/stats", StatsAsync).WithName("TaskQueueStats").WithSummary("Depth and oldest age of a queue");
        group.MapGet("/{taskId}", GetAsync).WithName("GetTask").WithSummary("One task");
        group.MapPost("/{taskId}/claim", (string queue, string taskId, ClaimTaskRequest r, HttpContext http, IGrainFactory g) =>
            Act(http, g, queue, (q, actor) => q.ClaimAsync(taskId, string.IsNullOrWhiteSpace(r.Assignee) ? actor : r.Assignee)))
            .WithName("ClaimTask").WithSummary("Take a task").RequireAuthorization(Actions.TasksWork);
        group.MapPost("/{taskId}/assign", (string queue, string taskId, AssignTaskRequest r, HttpContext http, IGrainFactory g) =>
            Act(http, g, queue, (q, actor) => q.AssignAsync(taskId, r.Assignee ?? "", actor)))
            .WithName("AssignTask").WithSummary("Reassign a task").RequireAuthorization(Actions.TasksWork);
        group.MapPost("/{taskId}/complete", CompleteAsync)
            .WithName("CompleteTask").WithSummary("Complete a task with its decision; the return resumes from it").RequireAuthorization(Actions.TasksWork);
        group.MapPost("/{taskId}/escalate", (string queue, string taskId, EscalateTaskRequest r, HttpContext http, IGrainFactory g) =>
            Act(http, g, queue, (q, actor) => q.EscalateAsync(taskId, actor, r.Reason ?? "", r.ToQueue)))
            .WithName("EscalateTask").WithSummary("Escalate a task to another queue").RequireAuthorization(Actions.TasksWork);
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<HumanTaskView>>, ProblemHttpResult>> ListAsync(
        string queue, HttpContext http, IGrainFactory grains, HumanTaskStatus? status = null)
    {
        if (Queue(http, grains, queue) is not { } q)
        {
            return NoQueue(http);
        }

        return TypedResults.Ok(await q.ListAsync(status));
    }

    private static async Task<Results<Ok<TaskQueueStats>, ProblemHttpResult>> StatsAsync(string queue, HttpContext http, IGrainFactory grains) =>
        Queue(http, grains, queue) is { } q ? TypedResults.Ok(await q.GetStatsAsync()) : NoQueue(http);

    private static async Task<Results<Ok<HumanTaskView>, NotFound, ProblemHttpResult>> GetAsync(string queue, string taskId, HttpContext http, IGrainFactory grains)
    {
        if (Queue(http, grains, queue) is not { } q)
        {
            return NoQueue(http);
        }

        return await q.GetAsync(taskId) is { } task ? TypedResults.Ok(task) : TypedResults.NotFound();
    }

    /// <summary>Completing a task takes the return steps its outcome names (approve, decline, a disposition, a settlement):
    /// the caller needs the permission of each, as if it took them on the return itself.</summary>
    private static async Task<Results<Ok<HumanTaskView>, ProblemHttpResult>> CompleteAsync(
        string queue, string taskId, CompleteTaskRequest r, HttpContext http, IGrainFactory grains)
    {
        if (Queue(http, grains, queue) is { } q && await q.GetAsync(taskId) is { } task
            && Permissions.For(http.User).Check(Permissions.TaskCompletionActions(task.Kind, r.Outcome ?? "")) is { } denied)
        {
            return denied.Forbidden();
        }

        return await Act(http, grains, queue, (q, actor) => q.CompleteAsync(taskId, r.Outcome ?? "", actor, r.Note));
    }

    private static async Task<Results<Ok<HumanTaskView>, ProblemHttpResult>> Act(
        HttpContext http, IGrainFactory grains, string queue, Func<ITaskQueueGrain, string, Task<HumanTaskResult>> action)
    {
        if (Queue(http, grains, queue) is not { } q)
        {
            return NoQueue(http);
        }

        var result = await action(q, CallerTenant.Actor(http));
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Task!);
    }

    /// <summary>The caller's tenant's queue; queue names are lower-case words.</summary>
    private static ITaskQueueGrain? Queue(HttpContext http, IGrainFactory grains, string queue) =>
        CallerTenant.Resolve(http) is { } tenant && queue.Length is > 0 and <= 64 && queue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-')
            ? grains.GetGrain<ITaskQueueGrain>($"{tenant}/{queue}")
            : null;

    private static ProblemHttpResult NoQueue(HttpContext http) =>
        CallerTenant.Resolve(http) is null
            ? CallerTenant.Missing()
            : RejectionResults.Invalid("queue", "Queue names are 1 to 64 lower-case letters, digits, '_' or '-'.");
}
