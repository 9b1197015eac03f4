using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Advisory;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Advisory;

/// <summary>Free text to triage into a reason class.</summary>
public sealed record TriageRequest(string? Text);

/// <summary>A recommendation for one return under the tenant's policy in force. On GET (a preview) <c>Mode</c> is
/// <c>Advisory</c> or <c>AutoApply</c> (what governance would do); on POST it is what was recorded: <c>Advisory</c> or
/// <c>AutoApplied</c>, with the return as it is afterwards in <c>Rma</c>.</summary>
public sealed record RecommendationResponse(
    string RmaId, string Action, double Confidence, IReadOnlyList<RecommendationReason> Reasons, string ModelVersion,
    string Mode, string Why, string Summary, RmaView? Rma = null);

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
        var group = app.MapGroup("/v1").WithTags("Advisory").RequireAuthorization(RmaPolicies.Read).ProducesCommandProblems()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/rmas/{rmaId}/recommendation", PreviewAsync).WithName("RecommendRma")
            .WithSummary("Preview an explainable recommendation (action, confidence, reasons, model version) and a case summary; records nothing");
        group.MapPost("/rmas/{rmaId}/recommendation", RecordAsync).WithName("RecordRmaRecommendation")
            .WithSummary("Recommend and record it on the audit trail; applies it when the tenant's policy allows the action above its threshold")
            .RequireAuthorization(RmaPolicies.Decide);
        group.MapPost("/rmas/{rmaId}/recommendation/override", OverrideAsync).WithName("OverrideRmaRecommendation")
            .WithSummary("Record that a person chose another action than the last recorded recommendation")
            .RequireAuthorization(RmaPolicies.Decide);
        group.MapPost("/advisory/triage", Triage).WithName("TriageReason").WithSummary("Classify a free-text return reason");
        group.MapGet("/advisory/model", Model).WithName("GetAdvisoryModel")
            .WithSummary("The advisory model this silo serves: version, how and when it was trained, hold-out metrics, last evaluation");
        return app;
    }

    private static async Task<Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>> PreviewAsync(
        string rmaId, HttpContext http, IGrainFactory grains, IRmaReadModel readModel, AdvisoryModels models, TimeProvider time, CancellationToken ct)
    {
        var (advice, failure) = await AdviseAsync(rmaId, http, grains, readModel, models, time, ct);
        if (advice is not { } a)
        {
            return failure!;
        }

        var summary = CaseSummary.Summarize(a.Rma, await a.Grain.GetEventsAsync(), a.Recommendation, a.Decision, time.GetUtcNow());
        return TypedResults.Ok(Response(a, a.Decision.Mode.ToString(), a.Decision.Why, summary, null));
    }

    /// <summary>Records the recommendation; when governance says auto-apply and the action maps to a command that is legal now
    /// (approve, decline, manual_review), applies it first as <c>advisor:{modelVersion}</c> and records it as auto-applied.</summary>
    private static async Task<Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>> RecordAsync(
        string rmaId, HttpContext http, IGrainFactory grains, IRmaReadModel readModel, AdvisoryModels models, TimeProvider time, CancellationToken ct)
    {
        var (advice, failure) = await AdviseAsync(rmaId, http, grains, readModel, models, time, ct);
        if (advice is not { } a)
        {
            return failure!;
        }

        var commandId = CommandId(http);
        var recommendation = a.Recommendation;
        var action = AdvisoryNames.Of(recommendation.Action);
        var advisor = $"advisor:{recommendation.ModelVersion}";
        var mode = RecommendationMode.Advisory;
        var why = a.Decision.Why;
        if (a.Decision.Mode == AdvisoryMode.AutoApply)
        {
            var because = FormattableString.Invariant($"advisor recommends {action} at confidence {recommendation.Confidence:0.00}");
            IRmaCommand? command = recommendation.Action switch
            {
                AdvisoryAction.Approve when a.Rma.Status is RmaStatus.Requested or RmaStatus.UnderReview => new ApproveRma($"{commandId}:apply", advisor, because),
                AdvisoryAction.Decline when a.Rma.Status is RmaStatus.Requested or RmaStatus.UnderReview => new DeclineRma($"{commandId}:apply", advisor, because),
                AdvisoryAction.ManualReview when a.Rma.Status is RmaStatus.Requested or RmaStatus.Authorized => new FlagRmaForReview($"{commandId}:apply", advisor, because),
                _ => null,
            };
            var applied = command switch
            {
                ApproveRma c => await a.Grain.ApproveAsync(c),
                DeclineRma c => await a.Grain.DeclineAsync(c),
                FlagRmaForReview c => await a.Grain.FlagForReviewAsync(c),
                _ => null,
            };
            if (applied is { Rejection: null })
            {
                mode = RecommendationMode.AutoApplied;
            }
            else
            {
                why = applied?.Rejection is { } refused
                    ? $"{why}; not applied: {refused.Detail}"
                    : $"{why}; not applied: {action} has no command that is legal for a return that is {a.Rma.Status}";
            }
        }

        var reasons = recommendation.Reasons.Select(r => r.Text.Length <= RmaMachine.MaxReasonLength ? r.Text : r.Text[..RmaMachine.MaxReasonLength])
            .Take(RmaMachine.MaxRecommendationReasons).ToList();
        var recorded = await a.Grain.RecordRecommendationAsync(new RecordRecommendation(
            commandId, advisor, action, recommendation.Confidence, recommendation.ModelVersion, reasons, mode));
        if (recorded.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        var summary = CaseSummary.Summarize(recorded.Rma!, await a.Grain.GetEventsAsync(), recommendation, a.Decision, time.GetUtcNow());
        return TypedResults.Ok(Response(a, mode.ToString(), why, summary, recorded.Rma));
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
        var last = (await grain.GetEventsAsync()).LastOrDefault(e => e.Type == "recommendation.issued");
        var recommended = "";
        if (last is not null)
        {
            using var data = JsonDocument.Parse(last.DataJson);
            recommended = data.RootElement.TryGetProperty("action", out var a) ? a.GetString() ?? "" : "";
        }

        var result = await grain.OverrideRecommendationAsync(new OverrideRecommendation(
            CommandId(http), CallerTenant.Actor(http), recommended, request.ChosenAction ?? "", request.Note));
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Rma!);
    }

    private sealed record Advice(IRmaGrain Grain, RmaView Rma, Recommendation Recommendation, GovernanceDecision Decision);

    private static RecommendationResponse Response(Advice a, string mode, string why, string summary, RmaView? rma) =>
        new(a.Rma.RmaId, AdvisoryNames.Of(a.Recommendation.Action), a.Recommendation.Confidence, a.Recommendation.Reasons,
            a.Recommendation.ModelVersion, mode, why, summary, rma);

    /// <summary>The recommendation for one return of the caller's tenant and what the tenant's policy in force says about it.</summary>
    private static async Task<(Advice? Advice, Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>? Failure)> AdviseAsync(
        string rmaId, HttpContext http, IGrainFactory grains, IRmaReadModel readModel, AdvisoryModels models, TimeProvider time, CancellationToken ct)
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

        // Prior returns of the same customer come from the read model; what the model knows nothing about yet
        // (SKU-family defect rates, loyalty tier, warranty terms) takes the generator's typical value, and says so.
        var prior = 0;
        if (rma.CustomerId is { } customer)
        {
            var (items, _) = await readModel.SearchAsync(new RmaSearch(tenant, CustomerId: customer, Limit: 200), ct);
            prior = items.Count(i => i.RmaId != rma.RmaId);
        }

        var features = new ReturnFeatures(
            rma.Lines.GroupBy(l => l.ReasonClass).OrderByDescending(g => g.Sum(l => l.Quantity)).First().Key,
            SkuFamilyDefectRate: 0.05,
            PriorReturns: prior,
            Tier: CustomerTier.Standard,
            OrderValue: rma.Lines.Sum(l => l.UnitPrice.Amount * l.Quantity),
            DaysSinceDelivery: Math.Max(0, (int)(rma.CreatedAt - rma.OrderDeliveredAt).TotalDays),
            WarrantyMonthsLeft: 0,
            Channel: rma.Channel switch { "marketplace" => SalesChannel.Marketplace, "store" => SalesChannel.Store, _ => SalesChannel.Web });
        var recommendation = current.Advisor.Recommend(features);
        var policy = await grains.GetGrain<IPolicyGrain>(tenant).GetEffectiveAsync(time.GetUtcNow()) ?? DefaultPolicy.Document;
        var decision = AdvisoryGovernance.Decide(ToAdvisoryPolicy(policy), recommendation);
        return (new Advice(grain, rma, recommendation, decision), null);
    }

    /// <summary>The tenant policy's advisory part; unknown names (the validator refuses them) are ignored.</summary>
    public static AdvisoryPolicy ToAdvisoryPolicy(PolicyDocument policy) =>
        new(Enum.GetValues<AdvisoryAction>().Where(a => (policy.AdvisoryAutoApplyActions ?? []).Contains(AdvisoryNames.Of(a), StringComparer.Ordinal)).ToHashSet(),
            policy.AdvisoryMinConfidence);

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
