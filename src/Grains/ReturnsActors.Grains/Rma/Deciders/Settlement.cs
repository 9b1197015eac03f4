using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Settlement decisions: the settlement asked of the ERP, its confirmation, and keep-it (resolved without return).</summary>
internal static class Settlement
{
    public static Rejection? Decide(RmaTx tx, SettleRma c, IReadOnlySet<string> unavailableSkus)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "settle", RmaStatus.Dispositioned) is { } r)
        {
            return r;
        }

        if (Guards.OnHold(s) is { } held)
        {
            return held;
        }

        if (!Enum.IsDefined(c.Kind))
        {
            return Rejection.Invalid("settlement.kind", "Unknown settlement kind.");
        }

        if (RmaMachine.IsReplacement(c.Kind))
        {
            var missing = s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted && unavailableSkus.Contains(l.Sku)).Select(l => l.Sku).Distinct().ToList();
            if (missing.Count > 0)
            {
                // Not a refusal: the request is taken, the return waits on hold until a person picks another settlement or retries.
                tx.Raise(new ReturnHoldPlaced(RmaMachine.HoldReplacementOutOfStock, c.Kind, missing), [RmaMachine.RuleReplacementUnavailable]);
                tx.CreateTask(TaskQueues.Exceptions, TaskQueues.KindReplacementOutOfStock,
                    $"Replacement ({c.Kind}) out of stock: {string.Join(", ", missing)}. Choose refund, store credit or retry the replacement.",
                    [RmaMachine.RuleReplacementUnavailable]);
                return null;
            }
        }

        var rules = new List<string>();
        var lines = new List<SettlementLine>();
        foreach (var line in s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted))
        {
            var units = line.Receipt == LineReceipt.WrongItem ? 0 : line.QuantityReceived;
            var value = line.UnitPrice.Times(units);
            var (fee, feeRule) = RmaMachine.IsReplacement(c.Kind) ? (Money.Zero(value.Currency), null) : PolicyRules.RestockingFee(s.Policy, line.ReasonClass, value);
            var (deduction, deductionRule) = RmaMachine.IsReplacement(c.Kind) ? (Money.Zero(value.Currency), null) : PolicyRules.Deduction(s.Policy, line.Grade, line.ReasonClass, value);
            rules.AddRange(new[] { feeRule, deductionRule }.OfType<string>());
            var amount = RmaMachine.IsReplacement(c.Kind) ? Money.Zero(value.Currency) : (value - fee - deduction).AtLeastZero();
            lines.Add(new SettlementLine(line.LineId, units, value, fee, deduction, amount));
        }

        var total = SettledTotal(s, lines.ToDictionary(l => l.LineId, l => l.Amount));
        tx.Raise(new SettlementRequested(c.Kind, total, lines), rules.Distinct().ToList());
        return null;
    }

    public static Rejection? Decide(RmaTx tx, ConfirmSettlement c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "confirm settlement of", RmaStatus.PendingSettlement) is { } r)
        {
            return r;
        }

        if (Guards.OnHold(s) is { } held)
        {
            return held;
        }

        if (Guards.Required(c.Reference, "reference") is { } invalid)
        {
            return invalid;
        }

        var reference = c.Reference.Trim();
        var total = RmaMachine.ToView(s).SettlementTotal;
        tx.Raise(s.SettlementKind switch
        {
            SettlementKind.RefundOriginalPayment => new RefundIssued(s.SettlementKind, reference, total),
            SettlementKind.StoreCredit or SettlementKind.CreditMemo => new CreditIssued(s.SettlementKind, reference, total),
            _ => new ReplacementCreated(s.SettlementKind, reference, total),
        });
        return null;
    }

    public static Rejection? Decide(RmaTx tx, ResolveWithoutReturn c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "resolve without return", RmaStatus.Authorized, RmaStatus.AwaitingShipment) is { } r)
        {
            return r;
        }

        if (Guards.OnHold(s) is { } held)
        {
            return held;
        }

        if (s.Lines.Any(l => l.Logistics is LineLogistics.InTransit or LineLogistics.Delivered))
        {
            return Rejection.Conflict("rma.goods_moving", "The goods are already on their way back.");
        }

        if ((Guards.Required(c.Reason, "reason") ?? (Enum.IsDefined(c.Kind) ? null : Rejection.Invalid("settlement.kind", "Unknown settlement kind."))) is { } invalid)
        {
            return invalid;
        }

        var total = SettledTotal(s, s.Lines.Where(l => l.Acceptance == LineAcceptance.Accepted).ToDictionary(l => l.LineId,
            l => RmaMachine.IsReplacement(c.Kind) ? Money.Zero(l.UnitPrice.Currency) : l.UnitPrice.Times(l.Quantity)));
        tx.Raise(new ReturnResolvedWithoutReturn(c.Kind, c.Reason, total), ["manual.returnless"]);
        return null;
    }

    /// <summary>What <see cref="RmaView.SettlementTotal"/> will be once <paramref name="amounts"/> (by line id) are settled.</summary>
    private static Money? SettledTotal(RmaState s, IReadOnlyDictionary<string, Money> amounts)
    {
        var settled = s.Lines.Select(l => amounts.GetValueOrDefault(l.LineId) ?? l.SettledAmount).OfType<Money>().ToList();
        return settled.Count == 0 ? null : settled.Aggregate(Money.Zero(s.Lines[0].UnitPrice.Currency), (sum, m) => sum + m);
    }
}
