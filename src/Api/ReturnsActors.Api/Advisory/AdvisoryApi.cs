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
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Advisory;

/// <summary>Free text to triage into a reason class.</summary>
public sealed record TriageRequest(string? Text);

/// <summary>A recommendation for one return: advisory unless tenant policy allows auto-apply (not wired yet: always advisory).</summary>
public sealed record RecommendationResponse(
    string RmaId, string Action, double Confidence, IReadOnlyList<RecommendationReason> Reasons, string ModelVersion,
    string Mode, string Why, string Summary);

public sealed record TriageResponse(string Class, double Confidence, ReasonClass? ReasonClass, string ModelVersion);

/// <summary>The advisory models, trained once per silo from the documented synthetic generator (seed 42) in the
/// background on first use (about two CPU-seconds, so silos that never advise never pay it); requests before
/// training finishes answer 503 with Retry-After.</summary>
public sealed class AdvisoryModels
{
    public const int Seed = 42;
    private readonly Lazy<Task<(ReturnAdvisor Advisor, ReasonTriage Triage)>> _models =
        new(() => Task.Run(() => (ReturnAdvisor.TrainSynthetic(Seed), ReasonTriage.TrainSynthetic(Seed))));

    /// <summary>The trained models, or null while they train (the first call starts training).</summary>
    public (ReturnAdvisor Advisor, ReasonTriage Triage)? Current => _models.Value.IsCompletedSuccessfully ? _models.Value.Result : null;
}

internal static class AdvisoryApi
{
    public static IEndpointRouteBuilder MapAdvisory(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Advisory").RequireAuthorization(RmaPolicies.Read).ProducesCommandProblems()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/rmas/{rmaId}/recommendation", RecommendAsync).WithName("RecommendRma")
            .WithSummary("An explainable recommendation (action, confidence, reasons, model version) and a case summary; advisory");
        group.MapPost("/advisory/triage", Triage).WithName("TriageReason").WithSummary("Classify a free-text return reason");
        return app;
    }

    private static async Task<Results<Ok<RecommendationResponse>, NotFound, ProblemHttpResult>> RecommendAsync(
        string rmaId, HttpContext http, IGrainFactory grains, IRmaReadModel readModel, AdvisoryModels models, TimeProvider time, CancellationToken ct)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (models.Current is not { } current)
        {
            return NotReady(http);
        }

        var grain = grains.GetGrain<IRmaGrain>($"{tenant}/{rmaId}");
        if (await grain.GetAsync() is not { } rma)
        {
            return TypedResults.NotFound();
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
        var decision = AdvisoryGovernance.Decide(AdvisoryPolicy.AdvisoryOnly, recommendation);
        var summary = CaseSummary.Summarize(rma, await grain.GetEventsAsync(), recommendation, decision, time.GetUtcNow());
        return TypedResults.Ok(new RecommendationResponse(rma.RmaId, AdvisoryNames.Of(recommendation.Action), recommendation.Confidence,
            recommendation.Reasons, recommendation.ModelVersion, decision.Mode.ToString(), decision.Why, summary));
    }

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

    private static ProblemHttpResult NotReady(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The advisory models are still training.",
            detail: "Try again in a few seconds.");
    }
}
