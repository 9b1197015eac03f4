using ReturnsActors.Advisory;
using ReturnsActors.Grains.Orders;
using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Api.Advisory;

/// <summary>One return's recommendation: the features it was made from (and which of them were defaulted for missing data), the
/// policy in force for the return's tenant and business unit, and what governance says about applying it.</summary>
public sealed record AdviceCase(
    RmaView Rma, ReturnFeatures Features, IReadOnlyList<string> Defaulted, Recommendation Recommendation, PolicyDocument Policy,
    GovernanceDecision Decision)
{
    /// <summary>The RMA command that records it (and applies it, when governance allows): actor <c>advisor:{modelVersion}</c>,
    /// the model's reasons followed by the defaulted values, trimmed to what the trail keeps.</summary>
    public RecordRecommendation ToCommand(string commandId, long? triggerSeq = null) => new(
        commandId, $"advisor:{Recommendation.ModelVersion}", AdvisoryNames.Of(Recommendation.Action), Recommendation.Confidence,
        Recommendation.ModelVersion,
        Recommendation.Reasons.Select(r => r.Text).Concat(Defaulted)
            .Select(r => r.Length <= RmaMachine.MaxReasonLength ? r : r[..RmaMachine.MaxReasonLength])
            .Take(RmaMachine.MaxRecommendationReasons).ToList(),
        Decision.Mode == AdvisoryMode.AutoApply ? RecommendationMode.AutoApplied : RecommendationMode.Advisory,
        Decision.Why, triggerSeq);
}

/// <summary>
/// Assembles the advisor's features for a return from real data, once for the API preview, the API record and the automatic
/// advisory channel:
/// <list type="bullet">
/// <item>reason class: the class with the most units; its largest line is the <i>main line</i>;</item>
/// <item>SKU-family defect rate: of the units in returns requested in the last <see cref="DefectWindowDays"/> days (from the event
/// log, <c>return.requested</c>) whose line is of the main line's category (the SKU family), the share with reason class defect,
/// this return excluded; below <see cref="MinFamilyUnits"/> units of history the generator's typical 5 % is used;</item>
/// <item>prior returns: the customer's other returns created in the last 12 months (read model); 0 without a customer id;</item>
/// <item>customer tier: the order's <c>customerTier</c>; standard when the order names none;</item>
/// <item>warranty months left: the main line's warranty months minus whole months from delivery to the request, not below 0; 0 when
/// the order line names no warranty;</item>
/// <item>order value, days since delivery, channel: from the return.</item>
/// </list>
/// Every defaulted value is named in the recommendation's reasons.
/// </summary>
public sealed class ReturnAdvice(IGrainFactory grains, IOrderSource orders, IRmaReadModel readModel, IRmaEventQuery events, TimeProvider time)
{
    public const int DefectWindowDays = 90;
    public const int MinFamilyUnits = 5;
    public const double TypicalDefectRate = 0.05;

    public async Task<AdviceCase> AdviseAsync(ReturnAdvisor advisor, RmaView rma, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var order = await orders.GetOrderAsync(rma.TenantId, rma.OrderId, cancellationToken);
        var (features, defaulted) = await FeaturesAsync(rma, order, now, cancellationToken);
        var recommendation = advisor.Recommend(features);
        var policy = await PolicyInForce.ResolveAsync(grains, rma.TenantId, order?.BusinessUnit, now);
        return new AdviceCase(rma, features, defaulted, recommendation, policy, AdvisoryGovernance.Decide(ToAdvisoryPolicy(policy), recommendation));
    }

    /// <summary>The policy's advisory part; unknown names (the validator refuses them) are ignored.</summary>
    public static AdvisoryPolicy ToAdvisoryPolicy(PolicyDocument policy) =>
        new(Enum.GetValues<AdvisoryAction>().Where(a => (policy.AdvisoryAutoApplyActions ?? []).Contains(AdvisoryNames.Of(a), StringComparer.Ordinal)).ToHashSet(),
            policy.AdvisoryMinConfidence);

    private async Task<(ReturnFeatures Features, IReadOnlyList<string> Defaulted)> FeaturesAsync(
        RmaView rma, OrderSnapshot? order, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var defaulted = new List<string>();
        var reason = rma.Lines.GroupBy(l => l.ReasonClass).OrderByDescending(g => g.Sum(l => l.Quantity)).First();
        var main = reason.OrderByDescending(l => l.Quantity).First();

        var defectRate = await FamilyDefectRateAsync(rma, main.Category, now, cancellationToken);
        if (defectRate is null)
        {
            defaulted.Add(FormattableString.Invariant(
                $"defaulted: SKU family defect rate {TypicalDefectRate:0%} (fewer than {MinFamilyUnits} returned units of {main.Category} in {DefectWindowDays} days)"));
        }

        var prior = 0;
        if (rma.CustomerId is { } customer)
        {
            var (items, _) = await readModel.SearchAsync(new RmaSearch(rma.TenantId, CustomerId: customer, CreatedAfter: now.AddYears(-1), Limit: 200),
                cancellationToken);
            prior = items.Count(i => i.RmaId != rma.RmaId);
        }
        else
        {
            defaulted.Add("defaulted: prior returns 0 (the order names no customer)");
        }

        var tier = order?.CustomerTier switch
        {
            "gold" => CustomerTier.Gold,
            "silver" => CustomerTier.Silver,
            "standard" => CustomerTier.Standard,
            _ => (CustomerTier?)null,
        };
        if (tier is null)
        {
            defaulted.Add("defaulted: customer tier standard (the order names none)");
        }

        var warranty = order?.Lines.FirstOrDefault(l => l.OrderLineId == main.OrderLineId)?.WarrantyMonths;
        if (warranty is null)
        {
            defaulted.Add("defaulted: warranty months left 0 (the order line names no warranty)");
        }

        var features = new ReturnFeatures(
            reason.Key,
            SkuFamilyDefectRate: defectRate ?? TypicalDefectRate,
            PriorReturns: prior,
            Tier: tier ?? CustomerTier.Standard,
            OrderValue: rma.Lines.Sum(l => l.UnitPrice.Amount * l.Quantity),
            DaysSinceDelivery: Math.Max(0, (int)(rma.CreatedAt - rma.OrderDeliveredAt).TotalDays),
            WarrantyMonthsLeft: Math.Max(0, (warranty ?? 0) - WholeMonths(rma.OrderDeliveredAt, rma.CreatedAt)),
            Channel: rma.Channel switch { "marketplace" => SalesChannel.Marketplace, "store" => SalesChannel.Store, _ => SalesChannel.Web });
        return (features, defaulted);
    }

    /// <summary>Share of defect units among the category's returned units in the window, or null below the minimum history.</summary>
    private async Task<double?> FamilyDefectRateAsync(RmaView rma, string category, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (units, defective) = await events.CategoryReturnUnitsAsync(rma.TenantId, category, now.AddDays(-DefectWindowDays), now, rma.RmaId,
            cancellationToken);
        return units < MinFamilyUnits ? null : (double)defective / units;
    }

    private static int WholeMonths(DateTimeOffset from, DateTimeOffset to)
    {
        var months = ((to.Year - from.Year) * 12) + to.Month - from.Month - (to.Day < from.Day ? 1 : 0);
        return Math.Max(0, months);
    }
}
