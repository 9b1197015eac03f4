using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Api.Security;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains.Inbound;

namespace ReturnsActors.Api.Ingest;

/// <summary>Sets a partner's signing secret for the caller's tenant.</summary>
public sealed record PartnerSecretRequest(string? Secret);

/// <summary>The answer of a partner webhook: what its payload did.</summary>
public sealed record InboundResponse(string Partner, string Status, EventProblem? Problem, string? DeadLetterId);

/// <summary><c>POST /v1/inbound/{partner}</c>: partner webhooks. The signature (per-tenant secret) is the authentication; the tenant
/// is named by <c>X-Tenant-Id</c> or <c>?tenant=</c> (or by an API key's tenant). A bad or stale signature is a 401 problem and
/// nothing is kept (an unauthenticated body is not worth storing); a signed payload that cannot be mapped or applied is
/// dead-lettered and answered 202, so the partner does not retry what only a fix on our side can cure.</summary>
internal static class InboundApi
{
    public static IEndpointRouteBuilder MapInbound(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/inbound/{partner}", ReceiveAsync).WithTags("Events in").WithName("InboundWebhook")
            .WithSummary("A partner webhook, signature-verified and mapped by the partner's adapter")
            .Produces<InboundResponse>().Produces<InboundResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
        app.MapPut("/v1/inbound/{partner}/secret", SetSecretAsync).WithTags("Events in").WithName("SetPartnerSecret")
            .WithSummary("Set or rotate the tenant's signing secret of a partner")
            .RequireAuthorization(Actions.PartnersSecrets);
        return app;
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> SetSecretAsync(string partner, PartnerSecretRequest request,
        HttpContext http, InboundProcessor processor, PartnerSecretProtector protector, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (processor.Adapter(partner) is null)
        {
            return TypedResults.NotFound();
        }

        if (request.Secret is not { Length: >= 16 and <= 512 } secret)
        {
            return RejectionResults.Invalid("secret", "The secret must be 16 to 512 characters.");
        }

        await grains.GetGrain<IPartnerSecretsGrain>(tenant).SetAsync(partner, protector.Protect(secret));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ReceiveAsync(string partner, HttpContext http, InboundProcessor processor, IngestGate gate,
        IngestOptions options, PartnerSecretProtector protector, IGrainFactory grains, TimeProvider time, CancellationToken cancellationToken)
    {
        if (processor.Adapter(partner) is not { } adapter)
        {
            return TypedResults.NotFound();
        }

        var tenant = CallerTenant.Resolve(http) ?? Named(http);
        if (tenant is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No tenant.",
                detail: $"Name the tenant with the {CallerTenant.HeaderName} header or the 'tenant' query parameter.");
        }

        using var lease = gate.TryEnter();
        if (!lease.IsAcquired)
        {
            return EventsApi.Overloaded(http, options);
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var stored = await grains.GetGrain<IPartnerSecretsGrain>(tenant).GetAsync(partner);
        var secret = stored is null ? null : protector.Unprotect(stored);
        var check = stored is null ? Adapters.Inbound.SignatureCheck.Fail("No signing secret is set for this partner and tenant.")
            : secret is null ? Adapters.Inbound.SignatureCheck.Fail("The stored signing secret cannot be decrypted (its data-protection key is missing); set it again.")
            : adapter.Verify(name => Value(http, name), body, secret, time.GetUtcNow(), options.SignatureTolerance);
        if (!check.Valid)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The signature is not valid.", detail: check.Error,
                extensions: new Dictionary<string, object?> { ["code"] = "signature.invalid" });
        }

        var text = Encoding.UTF8.GetString(body);
        var headers = EventsApi.Headers(http, adapter.SignificantHeaders);
        var map = adapter.Map(text, http.Request.ContentType, headers);
        var item = new InboundItem(0, map.Commands.Count > 0 ? map.Commands[0].CommandId : null, text, map);
        EventResult result;
        try
        {
            result = (await processor.ProcessAsync(tenant, partner, [item], Permissions.ForAdapter(partner), http.Request.ContentType, headers, cancellationToken))[0];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return EventsApi.NotDurable(http, ex);
        }

        var response = new InboundResponse(partner, result.Status, result.Problem, result.DeadLetterId);
        return result.Status switch
        {
            EventStatus.Applied or EventStatus.Duplicate or EventStatus.Ignored => TypedResults.Ok(response),
            EventStatus.DeadLettered => TypedResults.Accepted((string?)null, response),
            _ => TypedResults.Problem(statusCode: result.Problem!.Status, title: "The event was refused.", detail: result.Problem.Detail,
                extensions: new Dictionary<string, object?> { ["code"] = result.Problem.Code }),
        };
    }

    /// <summary>A header, or with a leading '?' a query parameter (partners that authenticate with a token in the URL).</summary>
    private static string? Value(HttpContext http, string name) =>
        name.StartsWith('?')
            ? http.Request.Query.TryGetValue(name[1..], out var query) ? query.ToString() : null
            : http.Request.Headers.TryGetValue(name, out var header) ? header.ToString() : null;

    private static string? Named(HttpContext http)
    {
        var value = http.Request.Headers.TryGetValue(CallerTenant.HeaderName, out var header) ? header.ToString() : http.Request.Query["tenant"].ToString();
        return CallerTenant.IsValidId(value) ? value : null;
    }
}
