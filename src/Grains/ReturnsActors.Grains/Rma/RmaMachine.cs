using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Deciders;
using ReturnsActors.Grains.Warehouses;

namespace ReturnsActors.Grains.Rma;

/// <summary>What a command did: the rejection, or the events it raised (already applied to the state).</summary>
public sealed record RmaOutcome(Rejection? Rejection, IReadOnlyList<RmaEvent> Events, bool Replayed = false)
{
    public bool Changed => Events.Count > 0;
}

/// <summary>Everything a create decision depends on besides the command.</summary>
public sealed record CreateRmaContext(
    string TenantId,
    string RmaId,
    OrderSnapshot? Order,
    IReadOnlyDictionary<string, int> AlreadyReturned,
    PolicyDocument Policy,
    DateTimeOffset Now);

/// <summary>The return state machine: plain C#, no Orleans. A thin dispatcher: it answers a repeated command id as the first
/// time, hands each command to the decider of its stage (<c>Rma/Deciders</c>), and remembers the answer. Deciders check their
/// guards before they raise; every state change is an event applied by <see cref="RmaEvolve"/>, so a rejection leaves the
/// state untouched.</summary>
public static class RmaMachine
{
    public const int MaxRecentCommands = 100;
    public const string SystemActor = "system";

    public const string StageAuthorize = "authorize";
    public const string StageShip = "ship";
    public const string StageReceive = "receive";
    public const string StageInspect = "inspect";
    public const string StageRefund = "refund";

    public const string HoldFraudCheck = "fraud_check";
    public const string HoldReplacementOutOfStock = "replacement_out_of_stock";
    public const string RuleReplacementUnavailable = "stock.replacement_unavailable";
    public const string RuleAdvisoryAutoApply = "advisory.auto_apply";

    public const int MaxRecommendationReasons = 10;
    public const int MaxReasonLength = 200;

    public static RmaOutcome Create(RmaState s, CreateRma cmd, CreateRmaContext ctx)
    {
        if (s.Created)
        {
            return TryReplay(s, cmd) ?? Refuse(s, cmd, Rejection.Conflict("rma.exists", $"Return '{s.RmaId}' already exists."));
        }

        var tx = new RmaTx(s, ctx.Now, cmd);
        if (Eligibility.Decide(tx, cmd, ctx) is { } rejection)
        {
            return Rejected(rejection);
        }

        Remember(s, cmd, null);
        return new RmaOutcome(null, tx.Events);
    }

    /// <summary>Applies one command. <paramref name="unavailableSkus"/> are the SKUs that cannot be shipped as a replacement now
    /// (the grain asks the stock source before a replacement settlement).</summary>
    public static RmaOutcome Handle(RmaState s, IRmaCommand cmd, DateTimeOffset now, IReadOnlySet<string>? unavailableSkus = null)
    {
        if (!s.Created)
        {
            return Rejected(Rejection.NotFound("rma.not_found", "The return does not exist."));
        }

        if (TryReplay(s, cmd) is { } replay)
        {
            return replay;
        }

        if (string.IsNullOrWhiteSpace(cmd.CommandId) || string.IsNullOrWhiteSpace(cmd.Actor))
        {
            return Rejected(Rejection.Invalid("command.invalid", "Command id and actor are required.",
                new Dictionary<string, string[]> { ["commandId"] = ["Required."], ["actor"] = ["Required."] }));
        }

        var tx = new RmaTx(s, now, cmd);
        var rejection = cmd switch
        {
            ApproveRma c => Review.Decide(tx, c),
            DeclineRma c => Review.Decide(tx, c),
            FlagRmaForReview c => Review.Decide(tx, c),
            PlaceRmaHold c => Holds.Decide(tx, c),
            ReleaseRmaHold c => Holds.Decide(tx, c),
            RecordLabel c => Shipping.Decide(tx, c),
            RecordCarrierEvent c => Shipping.Decide(tx, c),
            RecordReceipt c => Receiving.Decide(tx, c),
            RecordInspection c => Inspection.Decide(tx, c),
            DispositionRma c => Inspection.Decide(tx, c),
            SettleRma c => Settlement.Decide(tx, c, unavailableSkus ?? new HashSet<string>()),
            ConfirmSettlement c => Settlement.Decide(tx, c),
            ResolveWithoutReturn c => Settlement.Decide(tx, c),
            CancelRma c => Lifecycle.Decide(tx, c),
            ExpireRma c => Lifecycle.Decide(tx, c),
            CloseRma c => Lifecycle.Decide(tx, c),
            ReopenRma c => Lifecycle.Decide(tx, c),
            AddRmaNote c => Lifecycle.Decide(tx, c),
            RecordTaskActivity c => Lifecycle.Decide(tx, c),
            RecordRecommendation c => Advice.Decide(tx, c),
            OverrideRecommendation c => Advice.Decide(tx, c),
            _ => Rejection.Invalid("command.unknown", $"Unknown command {cmd.GetType().Name}."),
        };

        if (rejection is not null && tx.Events.Count > 0)
        {
            throw new InvalidOperationException($"{cmd.GetType().Name} raised events and was refused.");
        }

        Remember(s, cmd, rejection);
        return new RmaOutcome(rejection, tx.Events);
    }

    /// <summary>Catches up on deadlines at <paramref name="now"/>: warnings, breaches, escalations, ship-by expiry.
    /// Idempotent: each deadline warns and breaches at most once, whatever the number of calls.</summary>
    public static RmaOutcome CheckDeadlines(RmaState s, DateTimeOffset now)
    {
        if (!s.Created)
        {
            return new RmaOutcome(null, []);
        }

        var tx = new RmaTx(s, now, SystemActor, $"deadline:{now.UtcTicks}");
        Deadlines.Decide(tx);
        return new RmaOutcome(null, tx.Events);
    }

    /// <summary>When the grain should wake next for a deadline, or null when none is pending.</summary>
    public static DateTimeOffset? NextWake(RmaState s) => Deadlines.NextWake(s);

    public static RmaView ToView(RmaState s)
    {
        var currency = s.Lines.FirstOrDefault()?.UnitPrice.Currency ?? "EUR";
        var settled = s.Lines.Any(l => l.SettledAmount is not null)
            ? s.Lines.Where(l => l.SettledAmount is not null).Aggregate(Money.Zero(currency), (sum, l) => sum + l.SettledAmount!)
            : null;
        return new RmaView(s.TenantId, s.RmaId, s.OrderId, s.Channel, s.Status, s.OnHold, s.HoldReason,
            s.Lines.Select(l => new RmaLineView(l.LineId, l.OrderLineId, l.Sku, l.Category, l.Quantity, l.SerialNumbers.ToList(), l.UnitPrice,
                l.ReasonCode, l.ReasonClass, l.Acceptance, l.Logistics, l.Receipt, l.QuantityReceived, l.SerialMismatch, l.Grade,
                l.Disposition, l.Settlement, l.SettledAmount, l.RestockingFee, l.Deduction, l.SupplierId)).ToList(),
            s.Deadlines.Select(DeadlineBook.ToView).ToList(),
            s.Policy.Version, s.CreatedAt, s.UpdatedAt, s.OrderDeliveredAt, s.Carrier, s.TrackingNumber, settled, s.SettlementReference, s.LastSeq,
            s.WarehouseId, s.Region, s.CustomerId);
    }

    /// <summary>The return reduced to what policy decisions depend on, for dry runs.</summary>
    public static RmaSnapshot ToSnapshot(RmaState s) =>
        new(s.RmaId, s.Channel, s.OrderDeliveredAt, s.CreatedAt,
            s.Lines.Select(l => new RmaSnapshotLine(l.LineId, l.Category, l.Quantity, l.UnitPrice, l.ReasonClass, l.SerialNumbers.Count, l.Grade)).ToList(),
            s.FraudSignal);

    /// <summary>The statuses in which a return may still be routed: authorized and nothing received yet.</summary>
    public static bool IsRoutable(RmaState s) =>
        s.Status is RmaStatus.Authorized or RmaStatus.AwaitingShipment or RmaStatus.InTransit or RmaStatus.Delivered
        && s.Lines.All(l => l.QuantityReceived == 0 && l.Receipt == LineReceipt.Pending);

    /// <summary>What routing needs to know about the return.</summary>
    public static RouteRequest ToRouteRequest(RmaState s, string? excludeWarehouseId = null)
    {
        var accepted = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).ToList();
        return new RouteRequest(s.Region, accepted.Select(l => l.Category).Distinct().ToList(), accepted.Sum(l => l.Quantity),
            accepted.Any(l => l.ReasonClass is ReasonClass.Defect or ReasonClass.Warranty), excludeWarehouseId);
    }

    /// <summary>Records the routing decision made after authorization: <c>return.routed</c> with the rules that decided it,
    /// or <c>return.unroutable</c> when no warehouse qualifies. Decided once; rebalancing uses <see cref="Reroute"/>.</summary>
    public static RmaOutcome RecordRoute(RmaState s, RouteDecision decision, DateTimeOffset now, string commandId)
    {
        if (!s.Created)
        {
            return new RmaOutcome(null, []);
        }

        var tx = new RmaTx(s, now, SystemActor, commandId);
        Routing.Decide(tx, decision);
        return new RmaOutcome(null, tx.Events);
    }

    /// <summary>Moves a routed, not yet received return to the warehouse <paramref name="decision"/> chose (rebalancing).</summary>
    public static RmaOutcome Reroute(RmaState s, RerouteRma cmd, RouteDecision decision, DateTimeOffset now)
    {
        if (!s.Created)
        {
            return Rejected(Rejection.NotFound("rma.not_found", "The return does not exist."));
        }

        if (TryReplay(s, cmd) is { } replay)
        {
            return replay;
        }

        var tx = new RmaTx(s, now, cmd);
        var rejection = Routing.Decide(tx, cmd, decision);
        Remember(s, cmd, rejection);
        return new RmaOutcome(rejection, tx.Events);
    }

    public static bool IsReplacement(SettlementKind kind) => kind is SettlementKind.ReplacementStandard or SettlementKind.ReplacementAdvance;

    private static RmaOutcome? TryReplay(RmaState s, IRmaCommand cmd)
    {
        var seen = s.RecentCommands.FirstOrDefault(r => r.CommandId == cmd.CommandId);
        if (seen is null)
        {
            return null;
        }

        // A record folded from the log's tail knows the command id only; a snapshot's records know the command type too.
        return seen.CommandType.Length == 0 || seen.CommandType == cmd.GetType().Name
            ? new RmaOutcome(seen.Rejection, [], Replayed: true)
            : new RmaOutcome(Rejection.Conflict("command.id_reused", $"Command id '{cmd.CommandId}' was used for a {seen.CommandType}."), [], Replayed: true);
    }

    private static void Remember(RmaState s, IRmaCommand cmd, Rejection? rejection) =>
        Remember(s, new CommandRecord { CommandId = cmd.CommandId, CommandType = cmd.GetType().Name, Rejection = rejection, Seq = s.LastSeq });

    /// <summary>Adds a command's answer to the return's bounded memory of recent command ids (the oldest go first).</summary>
    public static void Remember(RmaState s, CommandRecord record)
    {
        s.RecentCommands.Add(record);
        if (s.RecentCommands.Count > MaxRecentCommands)
        {
            s.RecentCommands.RemoveRange(0, s.RecentCommands.Count - MaxRecentCommands);
        }
    }

    private static RmaOutcome Refuse(RmaState s, IRmaCommand cmd, Rejection rejection)
    {
        Remember(s, cmd, rejection);
        return new RmaOutcome(rejection, []);
    }

    private static RmaOutcome Rejected(Rejection rejection) => new(rejection, []);
}
