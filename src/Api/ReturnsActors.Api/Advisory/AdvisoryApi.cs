using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Advisory;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Api.Advisory;

/// <summary>Free text to triage into a reason class.</summary>
public sealed record TriageRequest(string? Text);

/// <summary>A recommendation for one return under the policy in force for its tenant and business unit. On GET (a preview)
/// <c>Mode</c> is <c>Advisory</c> or <c>AutoApply</c> (what governance would do); on POST it is what was recorded: <c>Advisory</c> or
/// <c>AutoApplied</c>, with the return as it is afterwards in <c>Rma</c>. <c>Features</c> are the values the model saw;
/// <c>Defaulted</c> names those that took a typical value because the data is missing.</summary>
public sealed record RecommendationResponse(
    string RmaId, string Action, double Confidence, IReadOnlyList<RecommendationReason> Reasons, string ModelVersion,
    string Mode, string Why, string Summary, RmaView? Rma = null, ReturnFeatures? Features = null, IReadOnlyList<string>? Defaulted = null);

/// <summary>A person chose <c>ChosenAction</c> instead of the last recorded recommendation.</summary>
public sealed record OverrideRecommendationRequest(string? ChosenAction, string? Note);

public sealed record TriageResponse(string Class, double Confidence, ReasonClass? ReasonClass, string ModelVersion);

/// <summary>The active advisory model as this silo serves it: what it is (<c>Model</c>, its manifest with the hold-out
/// metrics of training), since when it is active and loaded here, where it came from, and the last stored evaluation.</summary>
public sealed record AdvisoryModelView(
    AdvisoryModelManifest Model, DateTimeOffset? ActivatedAt, DateTimeOffset LoadedAt, string Source, StoredEvaluation? LastEvaluation);

/// <summary>The advisory models this silo serves: the active artifact of the model store, loaded by the silo at start and
/// swapped when another version is activated. Requests before the first load answer 503 with Retry-After.</summary>
public sealed class AdvisoryModels
{
    private readonly TaskCompletionSource _demanded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Served? _served;

    /// <summary>The loaded models, or null while none is loaded (asking also signals <see cref="Demanded"/>).</summary>
    public (ReturnAdvisor Advisor, ReasonTriage Triage)? Current
    {
        get
        {
            if (_served is { } served)
            {
                return (served.Artifact.Advisor, served.Artifact.Triage);
            }

            _demanded.TrySetResult();
            return null;
        }
    }

    /// <summary>Completes the first time someone asks for the models before they are loaded (a store that trains in memory waits for it).</summary>
    public Task Demanded => _demanded.Task;

    /// <summary>Version of the loaded artifact, or null.</summary>
    public string? Version => _served?.Artifact.Version;

    public AdvisoryModelView? View => _served is { } s ? new AdvisoryModelView(s.Artifact.Manifest, s.ActivatedAt, s.LoadedAt, s.Source, s.Evaluation) : null;

    /// <summary>Serves <paramref name="artifact"/> from now on; requests already running finish on the previous one.</summary>
    public void Use(AdvisoryArtifact artifact, DateTimeOffset? activatedAt, DateTimeOffset loadedAt, string source, StoredEvaluation? evaluation) =>
        _served = new Served(artifact, activatedAt, loadedAt, source, evaluation);

    /// <summary>Replaces the last stored evaluation shown with the loaded version.</summary>
    public void ShowEvaluation(StoredEvaluation? evaluation)
    {
        if (_served is { } s && s.Evaluation != evaluation)
        {
            _served = s with { Evaluation = evaluation };
        }
    }

    private sealed record Served(AdvisoryArtifact Artifact, DateTimeOffset? ActivatedAt, DateTimeOffset LoadedAt, string Source, StoredEvaluation? Evaluation);
}

internal static class AdvisoryApi
{
    public static IEndpointRouteBuilder MapAdvisory(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Advisory").RequireAuthorization(Actions.RmasRead).ProducesCommandProblems()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/rmas/{rmaId}/recommendation", PreviewAsync).WithName("RecommendRma")
            .WithSummary("Preview an explainable recommendation (action, confidence, reasons, model version) and a case summary; records nothing");
        group.MapPost("/rmas/{rmaId}/recommendation", RecordAsync).WithName("RecordRmaRecommendation")
            .WithSummary("Recommend and record it on the audit trail; applies it when the tenant's policy allows the action above its threshold")
            .RequireAuthorization(Actions.RmasAdvise);
        group.MapPost("/rmas/{rmaId}/recommendation/override", OverrideAsync).WithName("OverrideRmaRecommendation")
            .WithSummary("Record that a person chose another action than the last recorded recommendation")
            .RequireAuthorization(Actions.RmasAdvise);
        group.MapPost("/advisory/triage", Triage).WithName("TriageReason").WithSummary("Classify a free-text return reason");
        group.MapGet("/advisory/model", Model).WithName("GetAdvisoryModel")
            .WithSummary("The advisory model this silo serves: version, how and when it was trained, hold-out metrics, last evaluation");
        return app;
    }

    private static async Task<Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>> PreviewAsync(
        string rmaId, HttpContext http, IGrainFactory grains, ReturnAdvice advice, AdvisoryModels models, TimeProvider time, CancellationToken ct)
    {
        var (found, failure) = await AdviseAsync(rmaId, http, grains, advice, models, ct);
        if (found is not { } a)
        {
            return failure!;
        }

        var summary = CaseSummary.Summarize(a.Case.Rma, await a.Grain.GetEventsAsync(), a.Case.Recommendation, a.Case.Decision, time.GetUtcNow());
        return TypedResults.Ok(Response(a.Case, a.Case.Decision.Mode.ToString(), a.Case.Decision.Why, summary, null));
    }

    /// <summary>Records the recommendation with one RMA command; when governance says auto-apply and the action's step is legal now
    /// (approve, decline, manual_review), the grain applies it in the same write, as <c>advisor:{modelVersion}</c>.</summary>
    private static async Task<Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>> RecordAsync(
        string rmaId, HttpContext http, IGrainFactory grains, ReturnAdvice advice, AdvisoryModels models, TimeProvider time, CancellationToken ct)
    {
        var (found, failure) = await AdviseAsync(rmaId, http, grains, advice, models, ct);
        if (found is not { } a)
        {
            return failure!;
        }

        var command = a.Case.ToCommand(CommandId(http));
        var recorded = await a.Grain.RecordRecommendationAsync(command);
        if (recorded.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        var trail = await a.Grain.GetEventsAsync();
        var (mode, why) = (RecommendationMode.Advisory, a.Case.Decision.Why);
        if (trail.LastOrDefault(e => e.Type == RecommendationIssued.WireName && e.CommandId == command.CommandId) is { } e
            && RmaEventCatalog.Deserialize(e) is RecommendationIssued issued)
        {
            mode = issued.Mode == AdvisoryActions.ModeName(RecommendationMode.AutoApplied) ? RecommendationMode.AutoApplied : RecommendationMode.Advisory;
            why = issued.Why ?? why;
        }

        var summary = CaseSummary.Summarize(recorded.Rma!, trail, a.Case.Recommendation, a.Case.Decision, time.GetUtcNow());
        return TypedResults.Ok(Response(a.Case, mode.ToString(), why, summary, recorded.Rma));
    }

    private static async Task<Results<Ok<RmaView>, NotFound, ProblemHttpResult>> OverrideAsync(
        string rmaId, OverrideRecommendationRequest request, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (!IsValidRmaId(rmaId))
        {
            return TypedResults.NotFound();
        }

        var grain = grains.GetGrain<IRmaGrain>(RmasApi.RmaKey(tenant, rmaId));
        if (await grain.GetAsync() is null)
        {
            return TypedResults.NotFound();
        }

        // The override names the last recorded recommendation; none recorded is the grain's 409.
        var last = (await grain.GetEventsAsync()).LastOrDefault(e => e.Type == RecommendationIssued.WireName);
        var recommended = last is null ? "" : (RmaEventCatalog.Deserialize(last) as RecommendationIssued)?.Action ?? "";

        var result = await grain.OverrideRecommendationAsync(new OverrideRecommendation(
            CommandId(http), CallerTenant.Actor(http), recommended, request.ChosenAction ?? "", request.Note));
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Rma!);
    }

    private sealed record Found(IRmaGrain Grain, AdviceCase Case);

    private static RecommendationResponse Response(AdviceCase a, string mode, string why, string summary, RmaView? rma) =>
        new(a.Rma.RmaId, AdvisoryNames.Of(a.Recommendation.Action), a.Recommendation.Confidence, a.Recommendation.Reasons,
            a.Recommendation.ModelVersion, mode, why, summary, rma, a.Features, a.Defaulted);

    /// <summary>The recommendation for one return of the caller's tenant and what the policy in force says about it.</summary>
    private static async Task<(Found? Found, Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>? Failure)> AdviseAsync(
        string rmaId, HttpContext http, IGrainFactory grains, ReturnAdvice advice, AdvisoryModels models, CancellationToken ct)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return (null, CallerTenant.Missing());
        }

        if (models.Current is not { } current)
        {
            return (null, NotReady(http));
        }

        if (!IsValidRmaId(rmaId))
        {
            return (null, TypedResults.NotFound());
        }

        var grain = grains.GetGrain<IRmaGrain>(RmasApi.RmaKey(tenant, rmaId));
        if (await grain.GetAsync() is not { } rma)
        {
            return (null, TypedResults.NotFound());
        }

        return (new Found(grain, await advice.AdviseAsync(current.Advisor, rma, ct)), null);
    }

    private static string CommandId(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var key) && !string.IsNullOrWhiteSpace(key)
            ? key.ToString().Trim()
            : Guid.NewGuid().ToString("N");

    private static bool IsValidRmaId(string rmaId) =>
        rmaId.Length is > 0 and <= 64 && rmaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static Results<Ok<TriageResponse>, NotFound, ProblemHttpResult> Triage(TriageRequest request, HttpContext http, AdvisoryModels models)
    {
        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > 2000)
        {
            return RejectionResults.Invalid("text", "1 to 2000 characters of the customer's words.");
        }

        if (models.Current is not { } current)
        {
            return NotReady(http);
        }

        var result = current.Triage.Triage(request.Text);
        return TypedResults.Ok(new TriageResponse(result.Class.ToString(), result.Confidence, result.ReasonClass, current.Advisor.ModelVersion));
    }

    private static Results<Ok<AdvisoryModelView>, ProblemHttpResult> Model(HttpContext http, AdvisoryModels models) =>
        models.View is { } view ? TypedResults.Ok(view) : NotReady(http);

    private static ProblemHttpResult NotReady(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The advisory models are not loaded yet.",
            detail: "Try again in a few seconds.");
    }
}
