using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;
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

/// <summary>The return state machine: plain C#, no Orleans. Each transition checks its guards before it
/// changes anything, so a rejection leaves the state untouched.</summary>
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

    private static readonly RmaStatus[] _terminal = [RmaStatus.Closed, RmaStatus.Cancelled, RmaStatus.Expired, RmaStatus.Declined];

    public static RmaOutcome Create(RmaState s, CreateRma cmd, CreateRmaContext ctx)
    {
        if (s.Created)
        {
            return TryReplay(s, cmd) ?? Refuse(s, cmd, Rejection.Conflict("rma.exists", $"Return '{s.RmaId}' already exists."));
        }

        var errors = new Dictionary<string, List<string>>();
        var rules = new List<string>();
        void Error(string field, string message, string? ruleId = null)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(ruleId is null ? message : $"{message} (rule {ruleId})");
            if (ruleId is not null)
            {
                rules.Add(ruleId);
            }
        }

        if (string.IsNullOrWhiteSpace(cmd.CommandId))
        {
            Error("commandId", "A command id is required.");
        }

        var order = ctx.Order;
        if (order is null)
        {
            return Rejected(Rejection.Invalid("order.not_found", $"Order '{cmd.OrderId}' was not found.",
                new Dictionary<string, string[]> { ["orderId"] = ["No such order for this tenant."] }));
        }

        var policy = ctx.Policy;
        var requested = cmd.Lines ?? [];
        if (requested.Count == 0)
        {
            Error("lines", "At least one line is required.");
        }

        if (requested.Sum(l => Math.Max(0, l.Quantity)) > policy.MaxUnitsPerRma)
        {
            Error("lines", $"At most {policy.MaxUnitsPerRma} units per return.", "max_units_per_rma");
        }

        var lines = new List<ReturnRequestedLine>();
        for (var i = 0; i < requested.Count; i++)
        {
            var r = requested[i];
            var field = $"lines[{i}]";
            var orderLine = order.Lines.FirstOrDefault(l => l.OrderLineId == r.OrderLineId);
            if (orderLine is null)
            {
                Error($"{field}.orderLineId", $"Order line '{r.OrderLineId}' is not on order '{order.OrderId}'.");
                continue;
            }

            if (requested.Take(i).Any(o => o.OrderLineId == r.OrderLineId))
            {
                Error($"{field}.orderLineId", "The order line appears twice.");
                continue;
            }

            if (r.Quantity < 1)
            {
                Error($"{field}.quantity", "Must be at least 1.");
                continue;
            }

            if (!Enum.IsDefined(r.ReasonClass))
            {
                Error($"{field}.reasonClass", "Unknown reason class.");
            }

            if (string.IsNullOrWhiteSpace(r.ReasonCode) || r.ReasonCode.Length > 64)
            {
                Error($"{field}.reasonCode", "Must be 1 to 64 characters.");
            }

            var serials = (r.SerialNumbers ?? []).Where(sn => !string.IsNullOrWhiteSpace(sn)).Select(sn => sn.Trim()).Distinct().ToList();
            foreach (var v in PolicyRules.CheckLine(policy, field, order.Channel, orderLine.Category, order.DeliveredAt, ctx.Now, serials.Count, r.Quantity))
            {
                Error(v.Field, v.Message, v.RuleId);
            }

            if (orderLine.SerialNumbers.Count > 0 && serials.Any(sn => !orderLine.SerialNumbers.Contains(sn)))
            {
                Error($"{field}.serialNumbers", "A serial number was not shipped on this order line.", "serial_on_order");
            }

            var already = ctx.AlreadyReturned.GetValueOrDefault(orderLine.OrderLineId);
            if (already + r.Quantity > orderLine.Quantity)
            {
                Error($"{field}.quantity",
                    $"Ordered {orderLine.Quantity}, already returned {already}; at most {Math.Max(0, orderLine.Quantity - already)} more.",
                    "quantity.ordered");
            }

            lines.Add(new ReturnRequestedLine($"L{i + 1}", orderLine.OrderLineId, orderLine.Sku, orderLine.Category, r.Quantity, serials,
                new Money(orderLine.UnitPrice, order.Currency), r.ReasonCode ?? "", r.ReasonClass,
                string.IsNullOrWhiteSpace(orderLine.SupplierId) ? null : orderLine.SupplierId.Trim()));
        }

        if (errors.Count > 0)
        {
            return Rejected(Rejection.Invalid("rma.ineligible", "The return is not eligible: " + string.Join(" ", errors.SelectMany(e => e.Value)),
                errors.ToDictionary(e => e.Key, e => e.Value.ToArray())));
        }

        RmaEvolve.Identify(s, ctx.TenantId, ctx.RmaId);
        var tx = new Tx(s, ctx.Now, cmd);
        var windowRules = lines.Select(l => PolicyRules.WindowFor(policy, order.Channel, l.Category).RuleId).Distinct().ToList();
        tx.Raise(new ReturnRequested(order.OrderId, order.Channel, cmd.CustomerNote, cmd.FraudSignal, lines,
            string.IsNullOrWhiteSpace(order.CustomerId) ? null : order.CustomerId.Trim(),
            string.IsNullOrWhiteSpace(order.Region) ? null : order.Region.Trim().ToUpperInvariant(),
            policy.Sla, order.DeliveredAt, PolicyTerms.Of(policy)), windowRules);

        var value = lines.Sum(l => l.UnitPrice.Amount * l.Quantity);
        var (route, routeRules, queue) = PolicyRules.Route(policy, order.Channel, value, lines.Select(l => l.ReasonClass), cmd.FraudSignal);
        switch (route)
        {
            case PolicyRules.RouteAutoApprove:
                Authorize(tx, null, routeRules);
                break;
            case PolicyRules.RouteFraudHold:
                // The hold pauses settlement, not the stage: a return within the auto-approve limit still ships back
                // while the fraud desk looks; one above it waits for the fraud desk's decision.
                tx.Raise(new ReturnHoldPlaced(HoldFraudCheck), routeRules);
                if (value <= policy.AutoApproveLimit)
                {
                    Authorize(tx, null, ["auto_approve.within_limit"]);
                    CreateTask(tx, queue, TaskQueues.KindFraud, HoldFraudCheck, routeRules);
                }
                else
                {
                    SendToReview(tx, HoldFraudCheck, queue, TaskQueues.KindFraud, routeRules);
                }

                break;
            default:
                SendToReview(tx, $"Return value {value:0.00} {order.Currency} is above the auto-approve limit.", queue, TaskQueues.KindReview, routeRules);
                break;
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

        var tx = new Tx(s, now, cmd);
        var rejection = cmd switch
        {
            ApproveRma c => Approve(tx, c),
            DeclineRma c => Decline(tx, c),
            FlagRmaForReview c => Flag(tx, c),
            CancelRma c => Cancel(tx, c),
            RecordLabel c => Label(tx, c),
            RecordCarrierEvent c => Carrier(tx, c),
            RecordReceipt c => Receive(tx, c),
            RecordInspection c => Inspect(tx, c),
            DispositionRma c => DispositionLines(tx, c),
            SettleRma c => Settle(tx, c, unavailableSkus ?? new HashSet<string>()),
            ConfirmSettlement c => Confirm(tx, c),
            ResolveWithoutReturn c => KeepIt(tx, c),
            ExpireRma => Expire(tx, "manual", ["manual.expire"]),
            CloseRma => Close(tx),
            ReopenRma c => Reopen(tx, c),
            AddRmaNote c => Note(tx, c),
            PlaceRmaHold c => Hold(tx, c),
            ReleaseRmaHold c => Release(tx, c),
            RecordTaskActivity c => TaskActivityRecorded(tx, c),
            RecordRecommendation c => RecommendationIssued(tx, c),
            OverrideRecommendation c => RecommendationOverridden(tx, c),
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

        var tx = new Tx(s, now, SystemActor, $"deadline:{now.UtcTicks}");
        foreach (var d in s.Deadlines.Where(d => d.CompletedAt is null).ToList())
        {
            if (d.WarnedAt is null && now >= d.WarnAt)
            {
                tx.Raise(new SlaWarning(d.Stage, d.DueAt, d.WarnAt), [$"sla.{d.Stage}.warning"]);
            }

            if (d.BreachedAt is null && now >= d.DueAt && d.CompletedAt is null)
            {
                tx.Raise(new SlaBreached(d.Stage, d.DueAt), [$"sla.{d.Stage}"]);
                if (d.Stage == StageShip && s.Policy.ExpireWhenShipByPasses && CanExpire(s))
                {
                    Expire(tx, "ship_by_passed", ["sla.ship.expire"]);
                }
                else
                {
                    CreateTask(tx, s.Policy.EscalationQueue, TaskQueues.KindSlaBreach, $"SLA for stage '{d.Stage}' breached (due {d.DueAt:O}).", [$"sla.{d.Stage}"]);
                }
            }
        }

        return new RmaOutcome(null, tx.Events);
    }

    /// <summary>When the grain should wake next for a deadline, or null when none is pending.</summary>
    public static DateTimeOffset? NextWake(RmaState s) =>
        s.Deadlines.Where(d => d.CompletedAt is null)
            .Select(d => d.WarnedAt is null ? d.WarnAt : d.BreachedAt is null ? d.DueAt : (DateTimeOffset?)null)
            .Where(t => t is not null)
            .Min();

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
        if (!s.Created || s.RoutingDecided || !IsRoutable(s))
        {
            return new RmaOutcome(null, []);
        }

        var tx = new Tx(s, now, SystemActor, commandId);
        RaiseRoute(tx, decision, null);
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

        if (!IsRoutable(s) || s.WarehouseId is null)
        {
            return Refuse(s, cmd, Rejection.Conflict("rma.not_reroutable", $"Only a routed return with nothing received can be rerouted; this one is {s.Status}."));
        }

        if (decision.WarehouseId is null || decision.WarehouseId == s.WarehouseId)
        {
            return Refuse(s, cmd, Rejection.Conflict("route.no_alternative", decision.Reason));
        }

        var tx = new Tx(s, now, cmd);
        RaiseRoute(tx, decision with { RuleIds = [.. decision.RuleIds, "route.rebalance"] }, cmd.Reason);
        Remember(s, cmd, null);
        return new RmaOutcome(null, tx.Events);
    }

    private static void RaiseRoute(Tx tx, RouteDecision decision, string? note)
    {
        var s = tx.State;
        var units = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).Sum(l => l.Quantity);
        if (decision.WarehouseId is null)
        {
            tx.Raise(new ReturnUnroutable(decision.Reason, units), decision.RuleIds);
            return;
        }

        tx.Raise(new ReturnRouted(decision.WarehouseId, s.WarehouseId, units, decision.Reason, note), decision.RuleIds);
    }

    // ---- transitions ----

    private static Rejection? Approve(Tx tx, ApproveRma c)
    {
        if (Illegal(tx.State, "approve", RmaStatus.Requested, RmaStatus.UnderReview) is { } r)
        {
            return r;
        }

        Authorize(tx, c.Note, ["manual.approve"]);
        return null;
    }

    private static Rejection? Decline(Tx tx, DeclineRma c)
    {
        if (Illegal(tx.State, "decline", RmaStatus.Requested, RmaStatus.UnderReview) is { } r)
        {
            return r;
        }

        if (Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        DeclineAll(tx, c.Reason);
        return null;
    }

    private static void DeclineAll(Tx tx, string reason) => tx.Raise(new ReturnDeclined(reason));

    private static Rejection? Flag(Tx tx, FlagRmaForReview c)
    {
        if (Illegal(tx.State, "flag", RmaStatus.Requested, RmaStatus.Authorized) is { } r)
        {
            return r;
        }

        if (Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        FlagStep(tx, c.Reason, "manual.flag");
        return null;
    }

    private static void FlagStep(Tx tx, string reason, string rule)
    {
        SendToReview(tx, reason, tx.State.Policy.ReviewQueue, TaskQueues.KindReview, [rule]);
    }

    private static Rejection? Cancel(Tx tx, CancelRma c)
    {
        var s = tx.State;
        var moving = s.Lines.Any(l => l.Logistics is LineLogistics.InTransit or LineLogistics.Delivered);
        var allowed = c.By == CancelledBy.Customer
            ? !moving && s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
            : s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
                or RmaStatus.InTransit or RmaStatus.Delivered;
        if (!allowed)
        {
            return Rejection.Conflict("rma.illegal_transition",
                $"A {c.By.ToString().ToLowerInvariant()} cannot cancel a return that is {s.Status}{(moving ? " with goods on the way" : "")}.");
        }

        tx.Raise(new ReturnCancelled(c.By, c.Reason));
        return null;
    }

    private static Rejection? Label(Tx tx, RecordLabel c)
    {
        if (Illegal(tx.State, "create a label for", RmaStatus.Authorized, RmaStatus.AwaitingShipment) is { } r)
        {
            return r;
        }

        if ((Required(c.Carrier, "carrier") ?? Required(c.TrackingNumber, "trackingNumber")) is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new LabelCreated(c.Carrier.Trim(), c.TrackingNumber.Trim(), c.LabelUrl));
        return null;
    }

    private static Rejection? Carrier(Tx tx, RecordCarrierEvent c)
    {
        var s = tx.State;
        if (s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Declined or RmaStatus.Cancelled or RmaStatus.Expired or RmaStatus.Closed)
        {
            return Rejection.Conflict("rma.illegal_transition", $"Carrier events do not apply to a return that is {s.Status}.");
        }

        var beforeShipping = s.Status is RmaStatus.Authorized or RmaStatus.AwaitingShipment;
        var (stale, status) = c.Kind switch
        {
            CarrierEventKind.InTransit => beforeShipping ? (false, RmaStatus.InTransit) : (true, s.Status),
            CarrierEventKind.Delivered => beforeShipping || s.Status == RmaStatus.InTransit ? (false, RmaStatus.Delivered) : (true, s.Status),
            CarrierEventKind.Lost => (!(beforeShipping || s.Status == RmaStatus.InTransit), s.Status),
            CarrierEventKind.NotDroppedOff => (!beforeShipping, s.Status),
            _ => (true, s.Status),
        };
        if (!Enum.IsDefined(c.Kind))
        {
            return Rejection.Invalid("carrier.kind", "Unknown carrier event.");
        }

        tx.Raise(c.Kind switch
        {
            CarrierEventKind.InTransit => new ShipmentInTransit(c.OccurredAt, stale, status),
            CarrierEventKind.Delivered => new ShipmentDelivered(c.OccurredAt, stale, status),
            CarrierEventKind.Lost => new ShipmentLost(c.OccurredAt, stale, status),
            _ => new ShipmentNotDroppedOff(c.OccurredAt, stale, status),
        });
        if (c.Kind == CarrierEventKind.Lost && !stale)
        {
            CreateTask(tx, s.Policy.EscalationQueue, TaskQueues.KindCarrierLost, "The carrier reported the parcel lost.", ["carrier.lost"]);
        }

        return null;
    }

    private static Rejection? Receive(Tx tx, RecordReceipt c)
    {
        var s = tx.State;
        if (Illegal(s, "receive", RmaStatus.Authorized, RmaStatus.AwaitingShipment, RmaStatus.InTransit, RmaStatus.Delivered, RmaStatus.PartiallyReceived) is { } r)
        {
            return r;
        }

        var errors = new Dictionary<string, string[]>();
        var input = c.Lines ?? [];
        for (var i = 0; i < input.Count; i++)
        {
            var line = s.Lines.FirstOrDefault(l => l.LineId == input[i].LineId);
            if (line is null || line.Acceptance != LineAcceptance.Accepted)
            {
                errors[$"lines[{i}].lineId"] = ["No accepted line with this id."];
            }
            else if (input[i].Quantity < 0 || (!input[i].WrongItem && line.QuantityReceived + input[i].Quantity > line.Quantity))
            {
                errors[$"lines[{i}].quantity"] = [$"Must be 0 to {line.Quantity - line.QuantityReceived}."];
            }
            else if (input.Take(i).Any(o => o.LineId == input[i].LineId))
            {
                errors[$"lines[{i}].lineId"] = ["The line appears twice."];
            }
        }

        if (input.Count == 0 && !c.Final)
        {
            errors["lines"] = ["At least one line, or final = true."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("receipt.invalid", "The receipt does not match the return.", errors);
        }

        // The first receipt at which anything arrived: the customer is told once that the goods are in (partial receipts follow).
        var firstArrival = input.Any(i => i.Quantity > 0) && s.Lines.All(l => l.QuantityReceived == 0 && l.Receipt != LineReceipt.WrongItem);
        var results = new List<ReceiptLine>();
        var exceptions = new List<(string Kind, string Reason)>();
        var after = s.Lines.ToDictionary(l => l.LineId, l => (l.Receipt, l.QuantityReceived));
        foreach (var item in input)
        {
            var line = s.Lines.First(l => l.LineId == item.LineId);
            var serials = (item.SerialNumbers ?? []).Where(sn => !string.IsNullOrWhiteSpace(sn)).Select(sn => sn.Trim()).ToList();
            var received = line.QuantityReceived + (item.WrongItem ? 0 : item.Quantity);
            var receipt = item.WrongItem ? LineReceipt.WrongItem : received == line.Quantity ? LineReceipt.Received : line.Receipt;
            var mismatch = line.SerialMismatch;
            if (item.WrongItem)
            {
                exceptions.Add((TaskQueues.KindWrongItem, $"Line {line.LineId}: a different item arrived."));
            }

            if (!item.WrongItem && line.SerialNumbers.Count > 0 && serials.Any(sn => !line.SerialNumbers.Contains(sn)))
            {
                mismatch = true;
                exceptions.Add((TaskQueues.KindSerialMismatch, $"Line {line.LineId}: serial numbers {string.Join(", ", serials)} do not match {string.Join(", ", line.SerialNumbers)}."));
            }
            else if (!item.WrongItem && line.SerialNumbers.Count > 0 && serials.Count < item.Quantity)
            {
                // A serial-tracked unit that arrives without its serial cannot be told from a swapped one.
                mismatch = true;
                exceptions.Add((TaskQueues.KindSerialMissing, $"Line {line.LineId}: {item.Quantity} unit(s) arrived with {serials.Count} serial number(s); expected {string.Join(", ", line.SerialNumbers)}."));
            }

            after[line.LineId] = (receipt, received);
            results.Add(new ReceiptLine(line.LineId, item.Quantity, serials, item.WrongItem, receipt, received, mismatch));
        }

        if (c.Final)
        {
            foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && after[l.LineId].Receipt == LineReceipt.Pending))
            {
                var (_, received) = after[line.LineId];
                var receipt = received > 0 ? LineReceipt.ShortShipped : LineReceipt.NotReceived;
                after[line.LineId] = (receipt, received);
                results.Add(new ReceiptLine(line.LineId, 0, null, null, receipt, received, null));
            }
        }

        var complete = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).All(l => after[l.LineId].Receipt != LineReceipt.Pending);

        // Goods of a routed return that arrive at another dock belong to that dock's figures from now on.
        var previousWarehouse = s.WarehouseId is not null && !string.IsNullOrWhiteSpace(c.Warehouse) && c.Warehouse.Trim() != s.WarehouseId
            ? s.WarehouseId
            : null;
        tx.Raise(new ReceiptRecorded(c.Warehouse, previousWarehouse, c.Final, firstArrival, complete ? RmaStatus.Received : RmaStatus.PartiallyReceived, results));
        foreach (var (kind, reason) in exceptions)
        {
            CreateTask(tx, TaskQueues.InspectionException, kind, reason, [$"receipt.{kind}"]);
        }

        return null;
    }

    private static Rejection? Inspect(Tx tx, RecordInspection c)
    {
        var s = tx.State;
        if (Illegal(s, "inspect", RmaStatus.Received, RmaStatus.PartiallyReceived, RmaStatus.Inspecting) is { } r)
        {
            return r;
        }

        var input = c.Lines ?? [];
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < input.Count; i++)
        {
            var line = s.Lines.FirstOrDefault(l => l.LineId == input[i].LineId);
            if (line is null || !line.IsInspectable)
            {
                errors[$"lines[{i}].lineId"] = ["No received line with this id."];
            }
            else if (!Enum.IsDefined(input[i].Grade))
            {
                errors[$"lines[{i}].grade"] = ["Unknown grade."];
            }
        }

        if (input.Count == 0)
        {
            errors["lines"] = ["At least one line."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("inspection.invalid", "The inspection does not match the received lines.", errors);
        }

        foreach (var item in input)
        {
            var line = s.Lines.First(l => l.LineId == item.LineId);
            tx.Raise(new ItemInspected(line.LineId, line.Sku, item.Grade, item.ConditionNotes, (item.EvidenceRefs ?? []).ToList()));
        }

        return null;
    }

    private static Rejection? DispositionLines(Tx tx, DispositionRma c)
    {
        var s = tx.State;
        if (Illegal(s, "disposition", RmaStatus.Received, RmaStatus.Inspecting) is { } r)
        {
            return r;
        }

        var inspectable = s.Lines.Where(l => l.IsInspectable).ToList();
        if (inspectable.Any(l => l.Grade is null))
        {
            return Rejection.Conflict("rma.inspection_incomplete", "Every received line must be inspected before disposition.");
        }

        var input = c.Lines ?? [];
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < input.Count; i++)
        {
            if (inspectable.All(l => l.LineId != input[i].LineId))
            {
                errors[$"lines[{i}].lineId"] = ["No inspected line with this id."];
            }
            else if (!Enum.IsDefined(input[i].Disposition))
            {
                errors[$"lines[{i}].disposition"] = ["Unknown disposition."];
            }
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("disposition.invalid", "The disposition does not match the inspected lines.", errors);
        }

        var decided = new List<(RmaLineState Line, Disposition Disposition, string Rule)>();
        foreach (var line in inspectable)
        {
            var explicitChoice = input.FirstOrDefault(d => d.LineId == line.LineId);
            if (explicitChoice is null && line.Disposition is not null)
            {
                // Decided by an earlier call of this return (the rest waited for quality review).
                continue;
            }

            var (disposition, rule) = explicitChoice is null
                ? PolicyRules.DispositionFor(s.Policy, line.Grade!.Value, line.Category)
                : (explicitChoice.Disposition, "manual.disposition");
            decided.Add((line, disposition, rule));
        }

        if (decided.Count == 0)
        {
            return Rejection.Conflict("rma.quality_review_pending",
                "Every inspected line is decided or awaits quality review; disposition the reviewed lines explicitly.");
        }

        // The return waits in inspection while any line, decided now or before, awaits a person's decision.
        var chosen = decided.ToDictionary(d => d.Line.LineId, d => d.Disposition);
        var awaitsReview = inspectable.Any(l => (chosen.TryGetValue(l.LineId, out var d) ? d : l.Disposition) == Disposition.QualityReview);
        var status = awaitsReview ? RmaStatus.Inspecting : RmaStatus.Dispositioned;
        foreach (var (line, disposition, rule) in decided)
        {
            tx.Raise(new ItemDispositioned(line.LineId, line.Sku, line.Grade, disposition, status), [rule]);
        }

        var toReview = decided.Where(d => d.Disposition == Disposition.QualityReview).ToList();
        if (toReview.Count > 0)
        {
            CreateTask(tx, TaskQueues.QualityReview, TaskQueues.KindQualityReview,
                "Quality review: " + string.Join("; ", toReview.Select(d => $"line {d.Line.LineId} ({d.Line.Sku}, grade {d.Line.Grade})")) + ".",
                toReview.Select(d => d.Rule).Distinct().ToList());
        }

        return null;
    }

    private static Rejection? Settle(Tx tx, SettleRma c, IReadOnlySet<string> unavailableSkus)
    {
        var s = tx.State;
        if (Illegal(s, "settle", RmaStatus.Dispositioned) is { } r)
        {
            return r;
        }

        if (s.OnHold)
        {
            return Rejection.Conflict("rma.on_hold", $"Settlement is paused while the return is on hold ({s.HoldReason}).");
        }

        if (!Enum.IsDefined(c.Kind))
        {
            return Rejection.Invalid("settlement.kind", "Unknown settlement kind.");
        }

        if (IsReplacement(c.Kind))
        {
            var missing = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && unavailableSkus.Contains(l.Sku)).Select(l => l.Sku).Distinct().ToList();
            if (missing.Count > 0)
            {
                // Not a refusal: the request is taken, the return waits on hold until a person picks another settlement or retries.
                tx.Raise(new ReturnHoldPlaced(HoldReplacementOutOfStock, c.Kind, missing), [RuleReplacementUnavailable]);
                CreateTask(tx, TaskQueues.Exceptions, TaskQueues.KindReplacementOutOfStock,
                    $"Replacement ({c.Kind}) out of stock: {string.Join(", ", missing)}. Choose refund, store credit or retry the replacement.",
                    [RuleReplacementUnavailable]);
                return null;
            }
        }

        var rules = new List<string>();
        var lines = new List<SettlementLine>();
        foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted))
        {
            var units = line.Receipt == LineReceipt.WrongItem ? 0 : line.QuantityReceived;
            var value = line.UnitPrice.Times(units);
            var (fee, feeRule) = IsReplacement(c.Kind) ? (Money.Zero(value.Currency), null) : PolicyRules.RestockingFee(s.Policy, line.ReasonClass, value);
            var (deduction, deductionRule) = IsReplacement(c.Kind) ? (Money.Zero(value.Currency), null) : PolicyRules.Deduction(s.Policy, line.Grade, line.ReasonClass, value);
            rules.AddRange(new[] { feeRule, deductionRule }.OfType<string>());
            var amount = IsReplacement(c.Kind) ? Money.Zero(value.Currency) : (value - fee - deduction).AtLeastZero();
            lines.Add(new SettlementLine(line.LineId, units, value, fee, deduction, amount));
        }

        var total = SettledTotal(s, lines.ToDictionary(l => l.LineId, l => l.Amount));
        tx.Raise(new SettlementRequested(c.Kind, total, lines), rules.Distinct().ToList());
        return null;
    }

    private static Rejection? Confirm(Tx tx, ConfirmSettlement c)
    {
        var s = tx.State;
        if (Illegal(s, "confirm settlement of", RmaStatus.PendingSettlement) is { } r)
        {
            return r;
        }

        if (s.OnHold)
        {
            return Rejection.Conflict("rma.on_hold", $"Settlement is paused while the return is on hold ({s.HoldReason}).");
        }

        if (Required(c.Reference, "reference") is { } invalid)
        {
            return invalid;
        }

        var reference = c.Reference.Trim();
        var total = ToView(s).SettlementTotal;
        tx.Raise(s.SettlementKind switch
        {
            SettlementKind.RefundOriginalPayment => new RefundIssued(s.SettlementKind, reference, total),
            SettlementKind.StoreCredit or SettlementKind.CreditMemo => new CreditIssued(s.SettlementKind, reference, total),
            _ => new ReplacementCreated(s.SettlementKind, reference, total),
        });
        return null;
    }

    private static Rejection? KeepIt(Tx tx, ResolveWithoutReturn c)
    {
        var s = tx.State;
        if (Illegal(s, "resolve without return", RmaStatus.Authorized, RmaStatus.AwaitingShipment) is { } r)
        {
            return r;
        }

        if (s.OnHold)
        {
            return Rejection.Conflict("rma.on_hold", $"Settlement is paused while the return is on hold ({s.HoldReason}).");
        }

        if (s.Lines.Any(l => l.Logistics is LineLogistics.InTransit or LineLogistics.Delivered))
        {
            return Rejection.Conflict("rma.goods_moving", "The goods are already on their way back.");
        }

        if ((Required(c.Reason, "reason") ?? (Enum.IsDefined(c.Kind) ? null : Rejection.Invalid("settlement.kind", "Unknown settlement kind."))) is { } invalid)
        {
            return invalid;
        }

        var total = SettledTotal(s, s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).ToDictionary(l => l.LineId,
            l => IsReplacement(c.Kind) ? Money.Zero(l.UnitPrice.Currency) : l.UnitPrice.Times(l.Quantity)));
        tx.Raise(new ReturnResolvedWithoutReturn(c.Kind, c.Reason, total), ["manual.returnless"]);
        return null;
    }

    private static Rejection? Expire(Tx tx, string reason, IReadOnlyList<string> rules)
    {
        var s = tx.State;
        if (!CanExpire(s))
        {
            return Rejection.Conflict("rma.illegal_transition", $"Cannot expire a return that is {s.Status} or whose goods have shipped.");
        }

        var shipBy = s.Deadlines.LastOrDefault(d => d.Stage == StageShip)?.DueAt;
        tx.Raise(new ReturnExpired(reason, shipBy), rules);
        return null;
    }

    private static Rejection? Close(Tx tx)
    {
        var s = tx.State;
        if (Illegal(s, "close", RmaStatus.Resolved, RmaStatus.Declined) is { } r)
        {
            return r;
        }

        tx.Raise(new ReturnClosed(s.Status));
        return null;
    }

    private static Rejection? Reopen(Tx tx, ReopenRma c)
    {
        var s = tx.State;
        if (Illegal(s, "reopen", RmaStatus.Closed) is { } r)
        {
            return r;
        }

        if (Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new ReturnReopened(c.Reason, s.StatusBeforeClose ?? RmaStatus.Resolved));
        return null;
    }

    private static Rejection? Note(Tx tx, AddRmaNote c)
    {
        if (string.IsNullOrWhiteSpace(c.Text) || c.Text.Length > 4000)
        {
            return Rejection.Invalid("note.invalid", "A note is 1 to 4000 characters.", new Dictionary<string, string[]> { ["text"] = ["Must be 1 to 4000 characters."] });
        }

        tx.Raise(new NoteAdded(c.Text));
        return null;
    }

    private static Rejection? Hold(Tx tx, PlaceRmaHold c)
    {
        var s = tx.State;
        if (_terminal.Contains(s.Status) || s.Status == RmaStatus.Resolved)
        {
            return Rejection.Conflict("rma.illegal_transition", $"Cannot hold a return that is {s.Status}.");
        }

        if (s.OnHold)
        {
            return Rejection.Conflict("rma.on_hold", "The return is already on hold.");
        }

        if (Required(c.Reason, "reason") is { } invalid)
        {
            return invalid;
        }

        tx.Raise(new ReturnHoldPlaced(c.Reason));
        return null;
    }

    private static Rejection? Release(Tx tx, ReleaseRmaHold c)
    {
        var s = tx.State;
        if (!s.OnHold)
        {
            return Rejection.Conflict("rma.not_on_hold", "The return is not on hold.");
        }

        tx.Raise(new ReturnHoldReleased(s.HoldReason, c.Note));
        return null;
    }

    private static Rejection? TaskActivityRecorded(Tx tx, RecordTaskActivity c)
    {
        if ((Required(c.TaskId, "taskId") ?? Required(c.Queue, "queue")) is { } invalid)
        {
            return invalid;
        }

        if (!Enum.IsDefined(c.Activity))
        {
            return Rejection.Invalid("task.activity", "Unknown task activity.");
        }

        tx.Raise(c.Activity switch
        {
            TaskActivity.Assigned => new TaskAssigned(c.TaskId, c.Queue, c.Detail),
            TaskActivity.Completed => new TaskCompleted(c.TaskId, c.Queue, c.Detail),
            _ => new TaskEscalated(c.TaskId, c.Queue, c.Detail),
        });
        return null;
    }

    public const int MaxRecommendationReasons = 10;
    public const int MaxReasonLength = 200;

    private static Rejection? RecommendationIssued(Tx tx, RecordRecommendation c)
    {
        var errors = new Dictionary<string, string[]>();
        if (!AdvisoryActions.IsKnown(c.Action))
        {
            errors["action"] = [$"One of {string.Join(", ", AdvisoryActions.All)}."];
        }

        if (double.IsNaN(c.Confidence) || c.Confidence is < 0 or > 1)
        {
            errors["confidence"] = ["Between 0 and 1."];
        }

        if (string.IsNullOrWhiteSpace(c.ModelVersion) || c.ModelVersion.Length > 128)
        {
            errors["modelVersion"] = ["1 to 128 characters."];
        }

        var reasons = c.Reasons ?? [];
        if (reasons.Count > MaxRecommendationReasons || reasons.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > MaxReasonLength))
        {
            errors["reasons"] = [$"At most {MaxRecommendationReasons} reasons of 1 to {MaxReasonLength} characters."];
        }

        if (!Enum.IsDefined(c.Mode))
        {
            errors["mode"] = ["advisory or auto_applied."];
        }

        if (c.Why is { Length: > 500 })
        {
            errors["why"] = ["At most 500 characters."];
        }

        if (c.TriggerSeq is { } trigger && (trigger < 1 || trigger > tx.State.LastSeq))
        {
            errors["triggerSeq"] = ["An event of this return."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("recommendation.invalid", "The recommendation is not valid.", errors);
        }

        var s = tx.State;
        var why = c.Why;
        Action? apply = null;
        if (c.Mode == RecommendationMode.AutoApplied)
        {
            apply = RecommendedStep(tx, c);
            if (apply is null)
            {
                var notApplied = $"not applied: {c.Action} has no step that is legal for a return that is {s.Status}";
                why = string.IsNullOrWhiteSpace(why) ? notApplied : $"{why}; {notApplied}";
            }
        }

        tx.Raise(new RecommendationIssued(c.Action, Math.Round(c.Confidence, 4), c.ModelVersion, reasons,
            AdvisoryActions.ModeName(apply is null ? RecommendationMode.Advisory : RecommendationMode.AutoApplied), why, c.TriggerSeq));
        apply?.Invoke();
        return null;
    }

    /// <summary>The step an auto-applied recommendation takes, when it is legal now; raised by the same command right after
    /// <c>recommendation.issued</c>, so both land in one state write and one outbox batch.</summary>
    private static Action? RecommendedStep(Tx tx, RecordRecommendation c)
    {
        var because = FormattableString.Invariant($"advisor recommends {c.Action} at confidence {c.Confidence:0.00}");
        var status = tx.State.Status;
        return c.Action switch
        {
            AdvisoryActions.Approve when status is RmaStatus.Requested or RmaStatus.UnderReview => () => Authorize(tx, because, [RuleAdvisoryAutoApply]),
            AdvisoryActions.Decline when status is RmaStatus.Requested or RmaStatus.UnderReview => () => DeclineAll(tx, because),
            AdvisoryActions.ManualReview when status is RmaStatus.Requested or RmaStatus.Authorized => () => FlagStep(tx, because, RuleAdvisoryAutoApply),
            _ => null,
        };
    }

    public const string RuleAdvisoryAutoApply = "advisory.auto_apply";

    private static Rejection? RecommendationOverridden(Tx tx, OverrideRecommendation c)
    {
        var s = tx.State;
        if (s.LastRecommendedAction is null)
        {
            return Rejection.Conflict("recommendation.none", "No recommendation was recorded for this return.");
        }

        if (!AdvisoryActions.IsKnown(c.ChosenAction))
        {
            return Rejection.Invalid("override.invalid", "The chosen action is not known.",
                new Dictionary<string, string[]> { ["chosenAction"] = [$"One of {string.Join(", ", AdvisoryActions.All)}."] });
        }

        if (c.Note is { Length: > 4000 })
        {
            return Rejection.Invalid("override.invalid", "A note is at most 4000 characters.",
                new Dictionary<string, string[]> { ["note"] = ["At most 4000 characters."] });
        }

        if (!string.Equals(c.RecommendedAction, s.LastRecommendedAction, StringComparison.Ordinal))
        {
            return Rejection.Conflict("recommendation.stale",
                $"The last recommendation is '{s.LastRecommendedAction}', not '{c.RecommendedAction}'.");
        }

        if (string.Equals(c.ChosenAction, c.RecommendedAction, StringComparison.Ordinal))
        {
            return Rejection.Invalid("override.same_action", "Choosing the recommended action is not an override.",
                new Dictionary<string, string[]> { ["chosenAction"] = ["Differs from the recommended action."] });
        }

        tx.Raise(new RecommendationOverridden(c.RecommendedAction, c.ChosenAction, s.LastRecommendationModelVersion, c.Note));
        return null;
    }

    // ---- shared steps ----

    private static void Authorize(Tx tx, string? note, IReadOnlyList<string> rules)
    {
        tx.Raise(new ReturnAuthorized(note, tx.State.Lines.Select(l => new AuthorizedLine(l.LineId,
            l.Acceptance is LineAcceptance.Pending or LineAcceptance.ManualReview ? LineAcceptance.Accepted : l.Acceptance)).ToList()), rules);
    }

    private static void SendToReview(Tx tx, string reason, string queue, string kind, IReadOnlyList<string> rules)
    {
        tx.Raise(new ReturnFlagged(reason, queue), rules);
        CreateTask(tx, queue, kind, reason, rules);
    }

    private static void CreateTask(Tx tx, string queue, string kind, string reason, IReadOnlyList<string> rules)
    {
        var taskId = $"{tx.State.RmaId}-{kind}-{tx.State.LastSeq + 1}";
        tx.Raise(new TaskCreated(taskId, queue, kind, reason), rules);
    }

    /// <summary>What <see cref="RmaView.SettlementTotal"/> will be once <paramref name="amounts"/> (by line id) are settled.</summary>
    private static Money? SettledTotal(RmaState s, IReadOnlyDictionary<string, Money> amounts)
    {
        var settled = s.Lines.Select(l => amounts.GetValueOrDefault(l.LineId) ?? l.SettledAmount).OfType<Money>().ToList();
        return settled.Count == 0 ? null : settled.Aggregate(Money.Zero(s.Lines[0].UnitPrice.Currency), (sum, m) => sum + m);
    }

    private static bool CanExpire(RmaState s) =>
        s.Status is RmaStatus.Requested or RmaStatus.UnderReview or RmaStatus.Authorized or RmaStatus.AwaitingShipment
        && s.Lines.All(l => l.Logistics is LineLogistics.Awaiting or LineLogistics.NotDroppedOff && l.QuantityReceived == 0);

    public static bool IsReplacement(SettlementKind kind) => kind is SettlementKind.ReplacementStandard or SettlementKind.ReplacementAdvance;

    private static Rejection? Illegal(RmaState s, string action, params RmaStatus[] allowed) =>
        allowed.Contains(s.Status)
            ? null
            : Rejection.Conflict("rma.illegal_transition", $"Cannot {action} a return that is {s.Status}; allowed from {string.Join(", ", allowed)}.");

    private static Rejection? Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value)
            ? Rejection.Invalid($"{field}.required", $"'{field}' is required.", new Dictionary<string, string[]> { [field] = ["Required."] })
            : null;

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

    private static void Remember(RmaState s, IRmaCommand cmd, Rejection? rejection)
    {
        s.RecentCommands.Add(new CommandRecord { CommandId = cmd.CommandId, CommandType = cmd.GetType().Name, Rejection = rejection, Seq = s.LastSeq });
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

    /// <summary>One command's unit of work: raises events onto the chain; the grain appends them to the log.</summary>
    private sealed class Tx(RmaState state, DateTimeOffset now, string actor, string commandId)
    {
        public Tx(RmaState state, DateTimeOffset now, IRmaCommand cmd) : this(state, now, cmd.Actor, cmd.CommandId)
        {
        }

        public RmaState State { get; } = state;
        public DateTimeOffset Now { get; } = now;
        public List<RmaEvent> Events { get; } = [];

        /// <summary>Appends the event to the chain and applies it at once, so a later step of the same command sees its effect.</summary>
        public void Raise(IRmaEventData data, IReadOnlyList<string>? rules = null)
        {
            // The return's opening event is the first one governed by the policy it names.
            var policyVersion = data is ReturnRequested { Policy: { } policy } ? policy.Version : State.Policy.Version;
            var e = AuditChain.Next(State.LastSeq, State.LastHash, data, Now, actor, commandId, policyVersion, rules ?? []);
            RmaEvolve.Append(State, e, data);
            Events.Add(e);
        }
    }
}
