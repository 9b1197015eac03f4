using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReturnsActors.Adapters.Canonical;
using ReturnsActors.Api.Auth;
using ReturnsActors.Api.Idempotency;
using ReturnsActors.Api.OpenApi;
using ReturnsActors.Api.Problems;
using ReturnsActors.Api.Tenancy;
using ReturnsActors.Grains;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Rmas;

/// <summary><c>/v1/rmas</c>: thin handlers that turn a request into a grain command and its answer into HTTP.</summary>
internal static class RmasApi
{
    public static RouteGroupBuilder MapRmas(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/rmas").WithTags("Returns").RequireAuthorization(Actions.RmasRead).ProducesCommandProblems();

        group.MapPost("/", CreateAsync).WithName("CreateRma").WithSummary("Open a return (eligibility is checked against the order)")
            .RequireAuthorization(Actions.RmasCreate).WithMetadata(ReturnCommandIdempotency.Instance);
        group.MapGet("/", ListAsync).WithName("ListRmas")
            .WithSummary("List and search returns (read model; newest first, cursor paging)");
        group.MapGet("/{rmaId}", GetAsync).WithName("GetRma").WithSummary("Read a return");
        group.MapGet("/{rmaId}/events", EventsAsync).WithName("GetRmaEvents").WithSummary("The hash-chained audit trail of a return");
        group.MapGet("/{rmaId}/events/verify", VerifyAsync).WithName("VerifyRmaEvents").WithSummary("Recompute the audit chain");

        Action(group, "approve", (NoteRequest r, string id, string actor) => new ApproveRma(id, actor, r.Note));
        Action(group, "decline", (ReasonRequest r, string id, string actor) => new DeclineRma(id, actor, r.Reason ?? ""));
        Action(group, "flag", (ReasonRequest r, string id, string actor) => new FlagRmaForReview(id, actor, r.Reason ?? ""));
        Action(group, "cancel", (CancelRequest r, string id, string actor) => new CancelRma(id, actor, r.By, r.Reason));
        Action(group, "hold", (ReasonRequest r, string id, string actor) => new PlaceRmaHold(id, actor, r.Reason ?? ""));
        Action(group, "release-hold", (NoteRequest r, string id, string actor) => new ReleaseRmaHold(id, actor, r.Note));
        Action(group, "label", (LabelRequest r, string id, string actor) => new RecordLabel(id, actor, r.Carrier ?? "", r.TrackingNumber ?? "", r.LabelUrl));
        Action(group, "carrier-events", (CarrierEventRequest r, string id, string actor) => new RecordCarrierEvent(id, actor, r.Kind, r.OccurredAt));
        Action(group, "receive", (ReceiptRequest r, string id, string actor) => new RecordReceipt(id, actor, r.Lines ?? [], r.Final, r.Warehouse));
        Action(group, "inspect", (InspectionRequest r, string id, string actor) => new RecordInspection(id, actor, r.Lines ?? []));
        Action(group, "disposition", (DispositionRequest r, string id, string actor) => new DispositionRma(id, actor, r.Lines));
        Action(group, "settle", (SettleRequest r, string id, string actor) => new SettleRma(id, actor, r.Kind));
        Action(group, "confirm-settlement", (ConfirmSettlementRequest r, string id, string actor) => new ConfirmSettlement(id, actor, r.Reference ?? ""));
        Action(group, "resolve-without-return", (ResolveWithoutReturnRequest r, string id, string actor) => new ResolveWithoutReturn(id, actor, r.Kind, r.Reason ?? ""));
        Action(group, "expire", (NoteRequest _, string id, string actor) => new ExpireRma(id, actor));
        Action(group, "close", (NoteRequest _, string id, string actor) => new CloseRma(id, actor));
        Action(group, "reopen", (ReasonRequest r, string id, string actor) => new ReopenRma(id, actor, r.Reason ?? ""));
        Action(group, "notes", (TextRequest r, string id, string actor) => new AddRmaNote(id, actor, r.Text ?? ""));
        return group;
    }

    /// <summary>One <c>POST /v1/rmas/{rmaId}/{action}</c>: the command id is the Idempotency-Key when given.</summary>
    private static void Action<TRequest>(RouteGroupBuilder group, string action,
        Func<TRequest, string, string, IRmaCommand> build)
    {
        // The route's action names its row of the permission table, the same row its command takes on /v1/events.
        var policy = $"rmas:{action}";
        if (!Permissions.Table.ContainsKey(policy))
        {
            throw new InvalidOperationException($"The permission table has no action '{policy}'.");
        }

        group.MapPost($"/{{rmaId}}/{action}", async Task<Results<Ok<RmaView>, NotFound, ProblemHttpResult>> (
                string rmaId, TRequest request, HttpContext http, IGrainFactory grains) =>
            {
                if (CallerTenant.Resolve(http) is not { } tenant)
                {
                    return CallerTenant.Missing();
                }

                if (!IsValidRmaId(rmaId))
                {
                    return TypedResults.NotFound();
                }

                // A return that does not exist (in this tenant) is refused by the grain as NotFound: 404.
                var grain = grains.GetGrain<IRmaGrain>(RmaKey(tenant, rmaId));
                var command = build(request, CommandId(http), CallerTenant.Actor(http));
                var grant = Permissions.For(http.User);
                if (grant.Carrier is not null && grant.CheckCarrier(await grain.GetAsync(), command) is { } denied)
                {
                    return denied.Forbidden();
                }

                var result = await ReturnCommandIdempotency.CallAsync(http, () => RmaCommandDispatcher.SendAsync(grain, command));
                ReturnCommandIdempotency.MarkReplayed(http, result.Replayed);
                return result.Rejection is { } rejection ? rejection.ToProblem() : TypedResults.Ok(result.Rma!);
            })
            .WithMetadata(ReturnCommandIdempotency.Instance)
            .WithName($"Rma_{action}")
            .WithSummary($"{action} a return")
            .RequireAuthorization(policy);
    }

    private static async Task<Results<Created<RmaView>, Ok<RmaView>, ProblemHttpResult>> CreateAsync(
        CreateRmaRequest request, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var rmaId = string.IsNullOrWhiteSpace(request.RmaId) ? NewRmaId(tenant, IdempotencyKey(http)) : request.RmaId.Trim();
        if (!IsValidRmaId(rmaId))
        {
            return RejectionResults.Invalid("rmaId", "Use 1 to 64 letters, digits, '-', '_' or '.'.");
        }

        var lines = (request.Lines ?? [])
            .Select(l => new RequestedLine(l.OrderLineId ?? "", l.Quantity, l.ReasonCode ?? "", l.ReasonClass, l.SerialNumbers))
            .ToList();
        if (Permissions.For(http.User).CheckCarrier(null, null) is { } denied)
        {
            return denied.Forbidden();
        }

        var command = new CreateRma(CommandId(http), CallerTenant.Actor(http), request.OrderId ?? "", lines, request.CustomerNote, request.FraudSignal);
        var result = await ReturnCommandIdempotency.CallAsync(http, () => grains.GetGrain<IRmaGrain>(RmaKey(tenant, rmaId)).CreateAsync(command));
        ReturnCommandIdempotency.MarkReplayed(http, result.Replayed);
        if (result.Rejection is { } rejection)
        {
            return rejection.ToProblem();
        }

        return result.Replayed
            ? TypedResults.Ok(result.Rma!)
            : TypedResults.Created($"/v1/rmas/{Uri.EscapeDataString(rmaId)}", result.Rma!);
    }

    private static async Task<Results<Ok<RmaView>, NotFound, ProblemHttpResult>> GetAsync(string rmaId, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var view = IsValidRmaId(rmaId) ? await grains.GetGrain<IRmaGrain>(RmaKey(tenant, rmaId)).GetAsync() : null;
        return view is null || Permissions.For(http.User).CheckCarrier(view, null) is not null ? TypedResults.NotFound() : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<RmaEventsResponse>, NotFound, ProblemHttpResult>> EventsAsync(string rmaId, HttpContext http, IGrainFactory grains)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var grain = grains.GetGrain<IRmaGrain>(RmaKey(tenant, rmaId));
        if (!IsValidRmaId(rmaId) || await grain.GetAsync() is not { } view || Permissions.For(http.User).CheckCarrier(view, null) is not null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new RmaEventsResponse(rmaId, await grain.GetEventsAsync()));
    }

    /// <summary>Recomputes both copies of the chain: the grain's recent events and the whole event log,
    /// so a row altered in the database by hand is named by its seq.</summary>
    private static async Task<Results<Ok<RmaChainReport>, NotFound, ProblemHttpResult>> VerifyAsync(
        string rmaId, HttpContext http, IGrainFactory grains, IRmaEventLog eventLog, CancellationToken cancellationToken)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        var grain = grains.GetGrain<IRmaGrain>(RmaKey(tenant, rmaId));
        if (!IsValidRmaId(rmaId) || await grain.GetAsync() is not { } view || Permissions.For(http.User).CheckCarrier(view, null) is not null)
        {
            return TypedResults.NotFound();
        }

        var inGrain = await grain.VerifyAsync();
        var inLog = AuditChain.Verify(await eventLog.ReadAsync(RmaKey(tenant, rmaId), cancellationToken));
        return TypedResults.Ok(new RmaChainReport(inGrain.Valid && inLog.Valid, inGrain, inLog));
    }

    private static async Task<Results<Ok<RmaPage>, ProblemHttpResult>> ListAsync(
        HttpContext http, IRmaReadModel readModel, CancellationToken cancellationToken,
        RmaStatus? status = null, string? channel = null, string? warehouse = null, ReasonClass? reasonClass = null, string? orderId = null,
        RmaSlaState? slaState = null, DateTimeOffset? createdAfter = null, DateTimeOffset? createdBefore = null, int? limit = null, string? cursor = null,
        string? customerId = null)
    {
        if (CallerTenant.Resolve(http) is not { } tenant)
        {
            return CallerTenant.Missing();
        }

        if (Permissions.For(http.User).Carrier is not null)
        {
            return RejectionResults.Forbidden(new PermissionDenied("carrier", "A carrier-scoped key reads its returns one by one; it cannot search."));
        }

        if (limit is < 1 or > 200)
        {
            return RejectionResults.Invalid("limit", "Must be between 1 and 200.");
        }

        RmaCursor? after = null;
        if (cursor is not null && !RmaCursors.TryDecode(cursor, out after))
        {
            return RejectionResults.Invalid("cursor", "Not a cursor from a previous page.");
        }

        var (items, next) = await readModel.SearchAsync(new RmaSearch(tenant, status, channel, warehouse, reasonClass, orderId, slaState,
            createdAfter, createdBefore, limit ?? 50, after, customerId), cancellationToken);
        return TypedResults.Ok(new RmaPage(items, next is null ? null : RmaCursors.Encode(next)));
    }

    internal static string RmaKey(string tenant, string rmaId) => $"{tenant}/{rmaId}";

    /// <summary>The Idempotency-Key names the command, so a retried request is the same command to the grain.</summary>
    private static string CommandId(HttpContext http) => IdempotencyKey(http) ?? Guid.NewGuid().ToString("N");

    private static string? IdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue(IdempotencyMiddleware.HeaderName, out var key) && !string.IsNullOrWhiteSpace(key) ? key.ToString().Trim() : null;

    /// <summary>A new return's id: from the tenant and the Idempotency-Key when there is one, so a retried create reaches the same
    /// return (which answers it as the first time); otherwise time-ordered and random.</summary>
    private static string NewRmaId(string tenant, string? idempotencyKey) => idempotencyKey is null
        ? $"RMA-{Guid.CreateVersion7():N}"[..24].ToUpperInvariant()
        : $"RMA-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}\n{idempotencyKey}")))[..20]}";

    private static bool IsValidRmaId(string rmaId) =>
        rmaId.Length is > 0 and <= 64 && rmaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
