using System.Collections.Frozen;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Api.Auth;

/// <summary>The actions a caller can take on a tenant's data, one stable name each. The name is also the authorization
/// policy of the REST endpoints that take the action.</summary>
public static class Actions
{
    public const string RmasRead = "rmas:read";
    public const string RmasCreate = "rmas:create";
    public const string RmasApprove = "rmas:approve";
    public const string RmasDecline = "rmas:decline";
    public const string RmasFlag = "rmas:flag";
    public const string RmasCancel = "rmas:cancel";
    public const string RmasHold = "rmas:hold";
    public const string RmasReleaseHold = "rmas:release-hold";
    public const string RmasLabel = "rmas:label";
    public const string RmasCarrierEvents = "rmas:carrier-events";
    public const string RmasReceive = "rmas:receive";
    public const string RmasInspect = "rmas:inspect";
    public const string RmasDisposition = "rmas:disposition";
    public const string RmasSettle = "rmas:settle";
    public const string RmasConfirmSettlement = "rmas:confirm-settlement";
    public const string RmasResolveWithoutReturn = "rmas:resolve-without-return";
    public const string RmasExpire = "rmas:expire";
    public const string RmasClose = "rmas:close";
    public const string RmasReopen = "rmas:reopen";
    public const string RmasNotes = "rmas:notes";
    public const string RmasAdvise = "rmas:advise";
    public const string OrdersWrite = "orders:write";
    public const string TasksWork = "tasks:work";
    public const string PoliciesAdmin = "policies:admin";
    public const string WarehousesAdmin = "warehouses:admin";
    public const string SuppliersAdmin = "suppliers:admin";
    public const string ClaimsWrite = "claims:write";
    public const string EventsDeadLetters = "events:dead-letters";
    public const string PartnersSecrets = "partners:secrets";
    public const string WebhooksAdmin = "webhooks:admin";
    public const string AuditRead = "audit:read";
}

/// <summary>Who may take which action: the one permission table every entry point enforces (REST endpoints by policy, each
/// CloudEvent on <c>/v1/events</c> and each partner-adapter payload on <c>/v1/inbound/*</c> by the command it maps to, task
/// completion by the return steps its outcome takes, dead-letter replays by both the replaying caller and the payload's
/// source). A platform admin may take every action. Partner adapters authenticate by signature, not by role, so each one is a
/// principal of its own (<c>adapter:{name}</c>) with only the steps its system reports.</summary>
public static class Permissions
{
    private const string Admin = Roles.Admin, Cs = Roles.CustomerService, Wh = Roles.Warehouse, Fin = Roles.Finance, Partner = Roles.Partner;

    /// <summary>The principal of a partner adapter in <see cref="Table"/>.</summary>
    public static string AdapterPrincipal(string adapterName) => $"adapter:{adapterName}";

    private static readonly string[] _carriers = [AdapterPrincipal("carrier"), AdapterPrincipal("easypost"), AdapterPrincipal("shippo")];

    /// <summary>Action → the roles (and adapter principals) that may take it.</summary>
    public static FrozenDictionary<string, FrozenSet<string>> Table { get; } = new Dictionary<string, string[]>
    {
        [Actions.RmasRead] = [Admin, Cs, Wh, Fin, Partner, Roles.Viewer],
        [Actions.RmasCreate] = [Admin, Cs, Partner, AdapterPrincipal("shopify")],
        [Actions.RmasApprove] = [Admin, Cs, AdapterPrincipal("shopify")],
        [Actions.RmasDecline] = [Admin, Cs],
        [Actions.RmasFlag] = [Admin, Cs],
        [Actions.RmasCancel] = [Admin, Cs],
        [Actions.RmasHold] = [Admin, Cs],
        [Actions.RmasReleaseHold] = [Admin, Cs],
        [Actions.RmasLabel] = [Admin, Partner, Wh, .. _carriers],
        [Actions.RmasCarrierEvents] = [Admin, Partner, Wh, .. _carriers],
        [Actions.RmasReceive] = [Admin, Wh, AdapterPrincipal("wms")],
        [Actions.RmasInspect] = [Admin, Wh, AdapterPrincipal("wms")],
        [Actions.RmasDisposition] = [Admin, Wh],
        [Actions.RmasSettle] = [Admin, Fin],
        [Actions.RmasConfirmSettlement] = [Admin, Fin, AdapterPrincipal("erp")],
        [Actions.RmasResolveWithoutReturn] = [Admin, Cs],
        [Actions.RmasExpire] = [Admin, Cs],
        [Actions.RmasClose] = [Admin, Cs],
        [Actions.RmasReopen] = [Admin, Cs],
        [Actions.RmasNotes] = [Admin, Cs],
        [Actions.RmasAdvise] = [Admin, Cs],
        [Actions.OrdersWrite] = [Admin, Partner],
        [Actions.TasksWork] = [Admin, Cs, Wh, Fin],
        [Actions.PoliciesAdmin] = [Admin],
        [Actions.WarehousesAdmin] = [Admin, Wh],
        [Actions.SuppliersAdmin] = [Admin, Fin],
        [Actions.ClaimsWrite] = [Admin, Fin, Wh],
        [Actions.EventsDeadLetters] = [Admin, Partner],
        [Actions.PartnersSecrets] = [Admin],
        [Actions.WebhooksAdmin] = [Admin],
        [Actions.AuditRead] = [Admin],
    }.ToFrozenDictionary(e => e.Key, e => e.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The action a return command takes; every command a caller can send is listed (an unlisted one is refused).</summary>
    public static FrozenDictionary<Type, string> CommandActions { get; } = new Dictionary<Type, string>
    {
        [typeof(CreateRma)] = Actions.RmasCreate,
        [typeof(ApproveRma)] = Actions.RmasApprove,
        [typeof(DeclineRma)] = Actions.RmasDecline,
        [typeof(FlagRmaForReview)] = Actions.RmasFlag,
        [typeof(CancelRma)] = Actions.RmasCancel,
        [typeof(PlaceRmaHold)] = Actions.RmasHold,
        [typeof(ReleaseRmaHold)] = Actions.RmasReleaseHold,
        [typeof(RecordLabel)] = Actions.RmasLabel,
        [typeof(RecordCarrierEvent)] = Actions.RmasCarrierEvents,
        [typeof(RecordReceipt)] = Actions.RmasReceive,
        [typeof(RecordInspection)] = Actions.RmasInspect,
        [typeof(DispositionRma)] = Actions.RmasDisposition,
        [typeof(SettleRma)] = Actions.RmasSettle,
        [typeof(ConfirmSettlement)] = Actions.RmasConfirmSettlement,
        [typeof(ResolveWithoutReturn)] = Actions.RmasResolveWithoutReturn,
        [typeof(ExpireRma)] = Actions.RmasExpire,
        [typeof(CloseRma)] = Actions.RmasClose,
        [typeof(ReopenRma)] = Actions.RmasReopen,
        [typeof(AddRmaNote)] = Actions.RmasNotes,
    }.ToFrozenDictionary();

    /// <summary>The action of a command, or null for a command no caller may send from outside.</summary>
    public static string? ActionOf(object command) => CommandActions.GetValueOrDefault(command.GetType());

    /// <summary>The roles that may take any of <paramref name="actions"/> (for an endpoint whose payloads name the action).</summary>
    public static string[] RolesForAny(IEnumerable<string> actions) =>
        [Roles.PlatformAdmin, .. actions.SelectMany(a => Table[a]).Where(Roles.TenantRoles.Contains).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Scopes that stand for several actions (what a partner system of that kind reports).</summary>
    public static FrozenDictionary<string, string[]> ScopeGroups { get; } = new Dictionary<string, string[]>
    {
        ["events:carrier"] = [Actions.RmasLabel, Actions.RmasCarrierEvents],
        ["events:warehouse"] = [Actions.RmasReceive, Actions.RmasInspect],
        ["events:erp"] = [Actions.RmasConfirmSettlement],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The actions <paramref name="scopes"/> stand for; false (with the first unknown name) when one is neither an
    /// action nor a scope group.</summary>
    public static bool TryExpandScopes(IEnumerable<string> scopes, out HashSet<string> actions, out string? unknown)
    {
        actions = new HashSet<string>(StringComparer.Ordinal);
        unknown = null;
        foreach (var scope in scopes)
        {
            if (ScopeGroups.TryGetValue(scope, out var group))
            {
                actions.UnionWith(group);
            }
            else if (Table.ContainsKey(scope))
            {
                actions.Add(scope);
            }
            else
            {
                unknown = scope;
                return false;
            }
        }

        return true;
    }

    /// <summary>What the caller of a request may do: its roles' actions, narrowed to its key's scopes when it has any, and to
    /// one carrier's returns for a carrier-scoped key.</summary>
    public static Grant For(ClaimsPrincipal user)
    {
        // Authorization policies and handlers ask several times per request; the principal's grant is worked out once.
        if (_lastGrant.TryGetValue(user, out var known))
        {
            return known;
        }

        var grant = Compute(user);
        _lastGrant.AddOrUpdate(user, grant);
        return grant;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ClaimsPrincipal, Grant> _lastGrant = [];

    private static Grant Compute(ClaimsPrincipal user)
    {
        if (user.IsPlatformAdmin())
        {
            return Grant.All(Roles.PlatformAdmin);
        }

        var roles = Roles.TenantRoles.Where(user.IsInRole).ToArray();
        var grant = Grant.Of(roles.Length == 0 ? "no role" : string.Join(", ", roles), roles);
        var scopes = user.FindAll(ReturnsClaims.Scope).Select(c => c.Value).ToList();
        if (scopes.Count > 0)
        {
            TryExpandScopes(scopes, out var allowed, out _);
            grant = grant.Within(Grant.Actions($"scopes {string.Join(" ", scopes)}", allowed));
        }

        return user.FindFirst(ReturnsClaims.Carrier)?.Value is { Length: > 0 } carrier ? grant.ForCarrier(carrier) : grant;
    }

    /// <summary>What a partner adapter's payloads may do.</summary>
    public static Grant ForAdapter(string adapterName) => Grant.Of(AdapterPrincipal(adapterName), [AdapterPrincipal(adapterName)]);

    /// <summary>The return steps completing a task of <paramref name="kind"/> with <paramref name="outcome"/> takes (see
    /// <c>TaskQueueGrain.CompleteAsync</c>); the caller needs every one of them.</summary>
    public static IReadOnlyList<string> TaskCompletionActions(string kind, string outcome) =>
        (kind, outcome.Trim().ToLowerInvariant()) switch
        {
            (_, "dismiss") => [],
            (TaskQueues.KindFraud, "approve") => [Actions.RmasApprove, Actions.RmasReleaseHold],
            (TaskQueues.KindReview, "approve") => [Actions.RmasApprove],
            (TaskQueues.KindReview or TaskQueues.KindFraud, "decline") => [Actions.RmasDecline],
            (TaskQueues.KindQualityReview, _) => [Actions.RmasDisposition],
            (TaskQueues.KindReplacementOutOfStock, _) => [Actions.RmasSettle, Actions.RmasReleaseHold],
            _ => [],
        };

    /// <summary>One authorization policy per action, named by the action.</summary>
    internal static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder builder)
    {
        foreach (var (action, principals) in Table)
        {
            builder.AddPolicy(action, p => p.RequireAuthenticatedUser().RequireAssertion(c => For(c.User).Allows(action)));
        }

        return builder;
    }
}

/// <summary>The actions one principal may take. <see cref="Within"/> narrows it to what another principal may also do (a
/// replayed partner payload may do only what both its adapter and the replaying caller may).</summary>
public sealed class Grant
{
    // A grant is built per request (policies and handlers), so a plain set: a frozen set costs far more to build than it saves.
    private readonly HashSet<string> _actions;

    private Grant(string principal, IEnumerable<string> actions, string? carrier = null)
    {
        Principal = principal;
        Carrier = carrier;
        _actions = new HashSet<string>(actions, StringComparer.Ordinal);
    }

    /// <summary>Who, in words, for refusals: the roles or the adapter.</summary>
    public string Principal { get; }

    /// <summary>A carrier-scoped grant acts only on returns whose label is with this carrier.</summary>
    public string? Carrier { get; }

    public static Grant All(string principal) => new(principal, Permissions.Table.Keys);

    public static Grant Actions(string principal, IEnumerable<string> actions) => new(principal, actions);

    public Grant ForCarrier(string carrier) => new($"{Principal} for carrier {carrier}", _actions, carrier);

    public static Grant Of(string principal, IEnumerable<string> rolesOrPrincipals)
    {
        var who = rolesOrPrincipals.ToHashSet(StringComparer.Ordinal);
        return new(principal, Permissions.Table.Where(e => e.Value.Overlaps(who)).Select(e => e.Key));
    }

    public bool Allows(string action) => _actions.Contains(action);

    public Grant Within(Grant other) => new($"{Principal} within {other.Principal}", _actions.Where(other.Allows), Carrier ?? other.Carrier);

    /// <summary>For a carrier-scoped grant: null when <paramref name="rma"/> is labelled with its carrier (and a label
    /// command keeps it there), else the refusal. Other grants always pass.</summary>
    public PermissionDenied? CheckCarrier(RmaView? rma, object? command)
    {
        if (Carrier is null)
        {
            return null;
        }

        if (rma?.Carrier is not { } labelled || !string.Equals(labelled, Carrier, StringComparison.OrdinalIgnoreCase))
        {
            return new PermissionDenied("carrier", $"{Principal} acts only on returns whose label is with {Carrier}.");
        }

        return command is RecordLabel label && !string.Equals(label.Carrier, Carrier, StringComparison.OrdinalIgnoreCase)
            ? new PermissionDenied("carrier", $"{Principal} may record labels of {Carrier} only.")
            : null;
    }

    /// <summary>Null when every action is allowed, else the refusal naming the first one that is not.</summary>
    public PermissionDenied? Check(IEnumerable<string?> actions)
    {
        foreach (var action in actions)
        {
            if (action is null || !Allows(action))
            {
                return new PermissionDenied(action ?? "unknown", $"{Principal} may not take the action '{action ?? "unknown"}'.");
            }
        }

        return null;
    }
}

/// <summary>A refused action: answered 403 with code <see cref="Code"/>, nothing changed.</summary>
public sealed record PermissionDenied(string Action, string Detail)
{
    public const string Code = "permission.denied";
}
