using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Adapters.Outbound;
using ReturnsActors.Api.Security;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Rmas;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Api.Webhooks;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Suppliers;

namespace ReturnsActors.Api.Suppliers;

/// <summary>Registers a supplier or updates its terms.</summary>
/// <param name="Name">The supplier's name.</param>
/// <param name="Currency">The ISO 4217 currency its claims are settled in.</param>
/// <param name="AllowanceCap">The most that may be claimed per calendar year; null: no cap.</param>
/// <param name="ConsolidationWindowDays">Lines join the open draft claim for this many days.</param>
/// <param name="AckSlaHours">Hours the supplier has to acknowledge a submitted claim.</param>
/// <param name="ClaimsEndpoint">An https URL on a public address submitted claims are POSTed to (signed); omitted: claims are submitted by hand.</param>
public sealed record SupplierRequest(string? Name, string? Currency, decimal? AllowanceCap, int ConsolidationWindowDays = 7, int AckSlaHours = 72,
    string? ClaimsEndpoint = null);

/// <summary>A claim action: <c>reference</c> is the vendor RMA number (acknowledge), tracking number (ship) or credit note (credit).</summary>
public sealed record ClaimActionRequest(string? Reference, decimal? Amount, string? Reason);


/// <summary><c>/v1/suppliers</c>: suppliers, their recovery figures and their vendor claims.</summary>
internal static class SuppliersApi
{
    private static readonly string[] _actions = ["submit", "resubmit", "acknowledge", "ship", "credit", "reject", "dispute", "write-off", "cancel"];

    public static RouteGroupBuilder MapSuppliers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/suppliers").WithTags("Suppliers").RequireAuthorization(Actions.RmasRead);
        group.MapGet("/", ListAsync).WithName("ListSuppliers").WithSummary("The tenant's registered suppliers with their recovery figures");
        group.MapPut("/{supplierId}", PutAsync).WithName("PutSupplier").WithSummary("Register a supplier or update its allowance cap, consolidation window and acknowledgement SLA")
            .RequireAuthorization(Actions.SuppliersAdmin);
        group.MapPost("/{supplierId}/rotate-claims-secret", RotateAsync).WithName("RotateSupplierClaimsSecret")
            .WithSummary("A new claims signing secret, shown once; the previous one keeps signing for Webhooks:RotationOverlapHours")
            .RequireAuthorization(Actions.SuppliersAdmin);
        group.MapGet("/{supplierId}", GetAsync).WithName("GetSupplier").WithSummary("A supplier with claimed, credited and outstanding value, recovery rate and claim aging");
        group.MapGet("/{supplierId}/claims", ClaimsAsync).WithName("ListVendorClaims").WithSummary("The supplier's vendor claims, newest first, optionally by status");
        group.MapGet("/{supplierId}/claims/{claimId}", ClaimAsync).WithName("GetVendorClaim").WithSummary("One vendor claim");
        foreach (var action in _actions)
        {
            group.MapPost($"/{{supplierId}}/claims/{{claimId}}/{action}", (string supplierId, string claimId, ClaimActionRequest? request, HttpContext http, IGrainFactory grains) =>
                    ActAsync(supplierId, claimId, action, request, http, grains))
                .WithName($"VendorClaim_{action}").WithSummary($"{action} a vendor claim").RequireAuthorization(Actions.ClaimsWrite);
        }

        return group;
    }

    private static async Task<Results<Created<SupplierView>, Ok<SupplierView>, ProblemHttpResult>> PutAsync(
        string supplierId, SupplierRequest request, HttpContext http, IGrainFactory grains, WebhookApiOptions webhooks, SupplierSecretProtector protector)
    {
        var endpoint = string.IsNullOrWhiteSpace(request.ClaimsEndpoint) ? null : request.ClaimsEndpoint.Trim();
        if (endpoint is not null && CheckEndpoint(endpoint, webhooks.AllowLoopback) is { } problem)
        {
            return RejectionResults.Invalid("claimsEndpoint", problem);
        }

        return await CallerTenant.RegisterAsync<SupplierView>(http, supplierId, "supplierId", $"/v1/suppliers/{supplierId}", async key =>
        {
            var secret = StandardWebhookSigner.NewSecret();
            var result = await grains.GetGrain<ISupplierGrain>(key).RegisterAsync(new RegisterSupplier(request.Name ?? "", request.Currency ?? "",
                request.AllowanceCap, request.ConsolidationWindowDays, request.AckSlaHours, endpoint, protector.Protect(secret)));
            var view = ShowSecret(result.Supplier, secret);
            HideSecretOnReplay(http, view);
            return (view, result.Rejection, result.Created);
        });
    }

    private static async Task<Results<Ok<SupplierView>, NotFound, ProblemHttpResult>> RotateAsync(
        string supplierId, HttpContext http, IGrainFactory grains, WebhookApiOptions webhooks, SupplierSecretProtector protector)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await Supplier(grains, tenant, supplierId) is not { } supplier)
        {
            return TypedResults.NotFound();
        }

        var secret = StandardWebhookSigner.NewSecret();
        var result = await supplier.RotateClaimsSecretAsync(protector.Protect(secret), webhooks.RotationOverlap);
        var view = ShowSecret(result.Supplier, secret);
        HideSecretOnReplay(http, view);
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(view!);
    }

    /// <summary>The grain keeps the secret encrypted (<see cref="SupplierSecretProtector"/>) and answers with what it took; the caller is
    /// shown the secret in the clear, once.</summary>
    private static SupplierView? ShowSecret(SupplierView? view, string secret) =>
        view?.ClaimsSigningSecret is null ? view : view with { ClaimsSigningSecret = secret };

    /// <summary>A replayed answer (same Idempotency-Key) does not show the secret again: it is never kept in the idempotency store.</summary>
    private static void HideSecretOnReplay(HttpContext http, SupplierView? view)
    {
        if (view?.ClaimsSigningSecret is not null)
        {
            IdempotencyMiddleware.SetReplayBody(http, view with { ClaimsSigningSecret = null });
        }
    }

    /// <summary>https on a public address (the SSRF guard checks the resolved address again at each send); plain http only
    /// where loopback targets are allowed (tests and local development).</summary>
    private static string? CheckEndpoint(string endpoint, bool allowLoopback) =>
        WebhooksApi.CheckUrl(endpoint, allowLoopback) is { } problem ? problem
        : !allowLoopback && !endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "The claims endpoint must be an https URL."
        : null;

    private static Task<Results<Ok<SupplierView>, NotFound, ProblemHttpResult>> GetAsync(string supplierId, HttpContext http, IGrainFactory grains) =>
        CallerTenant.ReadAsync(http, supplierId, key => grains.GetGrain<ISupplierGrain>(key).GetAsync());

    private static async Task<Results<Ok<IReadOnlyList<SupplierView>>, ProblemHttpResult>> ListAsync(HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var ids = await grains.GetGrain<ISupplierIndexGrain>(tenant).ListAsync();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<ISupplierGrain>($"{tenant}/{id}").GetAsync()));
        return TypedResults.Ok<IReadOnlyList<SupplierView>>(views.OfType<SupplierView>().ToList());
    }

    private static async Task<Results<Ok<IReadOnlyList<VendorClaimView>>, NotFound, ProblemHttpResult>> ClaimsAsync(
        string supplierId, HttpContext http, IGrainFactory grains, VendorClaimStatus? status = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await Supplier(grains, tenant, supplierId) is not { } supplier)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await supplier.ListClaimsAsync(status));
    }

    private static async Task<Results<Ok<VendorClaimView>, NotFound, ProblemHttpResult>> ClaimAsync(
        string supplierId, string claimId, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var claim = await Supplier(grains, tenant, supplierId) is { } supplier ? await supplier.GetClaimAsync(claimId) : null;
        return claim is null ? TypedResults.NotFound() : TypedResults.Ok(claim);
    }

    private static async Task<Results<Ok<VendorClaimView>, NotFound, ProblemHttpResult>> ActAsync(
        string supplierId, string claimId, string action, ClaimActionRequest? request, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (await Supplier(grains, tenant, supplierId) is not { } supplier)
        {
            return TypedResults.NotFound();
        }

        var result = await supplier.ActAsync(claimId, new ClaimAction(CommandId(http), CallerTenant.Actor(http), action,
            request?.Reference, request?.Amount, request?.Reason));
        return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Claim!);
    }

    /// <summary>The supplier grain when the supplier exists in the caller's tenant.</summary>
    private static async Task<ISupplierGrain?> Supplier(IGrainFactory grains, string tenant, string supplierId)
    {
        if (!CallerTenant.IsValidId(supplierId))
        {
            return null;
        }

        var grain = grains.GetGrain<ISupplierGrain>($"{tenant}/{supplierId}");
        return await grain.GetAsync() is null ? null : grain;
    }

    private static string CommandId(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var key) && !string.IsNullOrWhiteSpace(key)
            ? key.ToString().Trim()
            : Guid.NewGuid().ToString("N");

}
