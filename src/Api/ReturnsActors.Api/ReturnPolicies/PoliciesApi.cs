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
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.ReturnPolicies;

public sealed record PublishPolicyRequest(DateTimeOffset? EffectiveFrom);

/// <summary>Dry-run a draft against these returns, or (when empty) against the newest returns of the read model.</summary>
public sealed record DryRunRequest(IReadOnlyList<string>? RmaIds, int? Latest);

public sealed record PolicyValidation(bool Valid, IReadOnlyDictionary<string, string[]> Errors);

/// <summary><c>/v1/policies</c>: a tenant's (or business unit's) return policy: draft, validate, dry-run, publish, versions.
/// Published versions are immutable; the version in force is the newest whose effective date has come.</summary>
internal static class PoliciesApi
{
    public static RouteGroupBuilder MapPolicies(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/policies").WithTags("Policies").RequireAuthorization(Actions.RmasRead).ProducesCommandProblems();
        group.MapGet("/", ListAsync).WithName("ListPolicyVersions").WithSummary("Published versions");
        group.MapGet("/effective", EffectiveAsync).WithName("GetEffectivePolicy").WithSummary("The version in force at a time (default: now)");
        group.MapGet("/versions/{version:int}", VersionAsync).WithName("GetPolicyVersion").WithSummary("One published version");
        group.MapGet("/draft", DraftAsync).WithName("GetPolicyDraft").WithSummary("The current draft");
        group.MapPut("/draft", SaveDraftAsync).WithName("SavePolicyDraft").WithSummary("Save the draft (validated)").RequireAuthorization(Actions.PoliciesAdmin);
        group.MapPost("/validate", Validate).WithName("ValidatePolicy").WithSummary("Validate a policy document without saving it");
        group.MapPost("/draft/dry-run", DryRunAsync).WithName("DryRunPolicyDraft").WithSummary("Which decisions the draft would change").RequireAuthorization(Actions.PoliciesAdmin);
        group.MapPost("/draft/publish", PublishAsync).WithName("PublishPolicyDraft").WithSummary("Publish the draft as the next immutable version").RequireAuthorization(Actions.PoliciesAdmin);
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<PolicyDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, IGrainFactory grains, string? businessUnit = null) =>
        Grain(http, grains, businessUnit) is { } g ? TypedResults.Ok(await g.ListVersionsAsync()) : NoTenant(http);

    private static async Task<Results<Ok<PolicyDocument>, NotFound, ProblemHttpResult>> EffectiveAsync(
        HttpContext http, IGrainFactory grains, TimeProvider time, DateTimeOffset? at = null, string? businessUnit = null)
    {
        if (Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        return await g.GetEffectiveAsync(at ?? time.GetUtcNow()) is { } policy ? TypedResults.Ok(policy) : TypedResults.Ok(DefaultPolicy.Document);
    }

    private static async Task<Results<Ok<PolicyDocument>, NotFound, ProblemHttpResult>> VersionAsync(int version, HttpContext http, IGrainFactory grains, string? businessUnit = null)
    {
        if (Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        return await g.GetVersionAsync(version) is { } policy ? TypedResults.Ok(policy) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<PolicyDocument>, NotFound, ProblemHttpResult>> DraftAsync(HttpContext http, IGrainFactory grains, string? businessUnit = null)
    {
        if (Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        return await g.GetDraftAsync() is { } draft ? TypedResults.Ok(draft) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<PolicyDocument>, ProblemHttpResult>> SaveDraftAsync(PolicyDocument draft, HttpContext http, IGrainFactory grains, string? businessUnit = null)
    {
        if (Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        var result = await g.SaveDraftAsync(draft, CallerTenant.Actor(http));
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Policy!);
    }

    private static Ok<PolicyValidation> Validate(PolicyDocument policy)
    {
        var errors = PolicyValidator.Validate(policy);
        return TypedResults.Ok(new PolicyValidation(errors.Count == 0, errors));
    }

    private static async Task<Results<Ok<DryRunReport>, NotFound, ProblemHttpResult>> DryRunAsync(
        DryRunRequest request, HttpContext http, IGrainFactory grains, IRmaReadModel readModel, CancellationToken cancellationToken, string? businessUnit = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant || Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        var rmaIds = request.RmaIds is { Count: > 0 } ids
            ? ids.Take(500).ToList()
            : (await readModel.SearchAsync(new RmaSearch(tenant, Limit: Math.Clamp(request.Latest ?? 100, 1, 200)), cancellationToken)).Items.Select(r => r.RmaId).ToList();
        var snapshots = new List<RmaSnapshot>();
        foreach (var rmaId in rmaIds)
        {
            if (await grains.GetGrain<IRmaGrain>($"{tenant}/{rmaId}").GetSnapshotAsync() is { } snapshot)
            {
                snapshots.Add(snapshot);
            }
        }

        return await g.DryRunAsync(snapshots) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<PolicyDocument>, ProblemHttpResult>> PublishAsync(PublishPolicyRequest request, HttpContext http, IGrainFactory grains, string? businessUnit = null)
    {
        if (Grain(http, grains, businessUnit) is not { } g)
        {
            return NoTenant(http);
        }

        var result = await g.PublishAsync(CallerTenant.Actor(http), request.EffectiveFrom);
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Policy!);
    }

    private static IPolicyGrain? Grain(HttpContext http, IGrainFactory grains, string? businessUnit)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return null;
        }

        return businessUnit is null
            ? grains.GetGrain<IPolicyGrain>(tenant)
            : CallerTenant.IsValidId(businessUnit) ? grains.GetGrain<IPolicyGrain>($"{tenant}/{businessUnit}") : null;
    }

    private static ProblemHttpResult NoTenant(HttpContext http) =>
        CallerTenant.Resolve(http) is null
            ? CallerTenant.Missing()
            : RejectionResults.Invalid("businessUnit", "Business units are 2 to 63 lower-case letters, digits and dashes.");
}
