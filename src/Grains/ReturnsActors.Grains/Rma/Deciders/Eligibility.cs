using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Eligibility: whether a return may be opened against its order under the policy in force, and how it is routed
/// at once (auto-approved, to review, or on fraud hold).</summary>
internal static class Eligibility
{
    public static Rejection? Decide(RmaTx tx, CreateRma cmd, CreateRmaContext ctx)
    {
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
            return Rejection.Invalid("order.not_found", $"Order '{cmd.OrderId}' was not found.",
                new Dictionary<string, string[]> { ["orderId"] = ["No such order for this tenant."] });
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
            return Rejection.Invalid("rma.ineligible", "The return is not eligible: " + string.Join(" ", errors.SelectMany(e => e.Value)),
                errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }

        RmaEvolve.Identify(tx.State, ctx.TenantId, ctx.RmaId);
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
                Review.Authorize(tx, null, routeRules);
                break;
            case PolicyRules.RouteFraudHold:
                // The hold pauses settlement, not the stage: a return within the auto-approve limit still ships back
                // while the fraud desk looks; one above it waits for the fraud desk's decision.
                tx.Raise(new ReturnHoldPlaced(RmaMachine.HoldFraudCheck), routeRules);
                if (value <= policy.AutoApproveLimit)
                {
                    Review.Authorize(tx, null, ["auto_approve.within_limit"]);
                    tx.CreateTask(queue, TaskQueues.KindFraud, RmaMachine.HoldFraudCheck, routeRules);
                }
                else
                {
                    Review.SendToReview(tx, RmaMachine.HoldFraudCheck, queue, TaskQueues.KindFraud, routeRules);
                }

                break;
            default:
                Review.SendToReview(tx, $"Return value {value:0.00} {order.Currency} is above the auto-approve limit.", queue, TaskQueues.KindReview, routeRules);
                break;
        }

        return null;
    }
}
