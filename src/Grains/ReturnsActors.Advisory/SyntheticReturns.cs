using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory;

/// <summary>
/// Generates a synthetic, labelled set of returns to train and evaluate the advisor. The same seed and
/// count always give the same rows (<see cref="Random"/> with a seed is stable across runs).
/// </summary>
/// <remarks>
/// <para><b>Assumptions about the population</b> (independent draws unless stated):</para>
/// <list type="bullet">
/// <item>Reason class: convenience 40 %, defect 20 %, wrong item 15 %, transit damage 13 %, warranty 12 %.</item>
/// <item>SKU family defect rate: 0.30 × u² (u uniform), so most families are below 8 % and a few reach 30 %.</item>
/// <item>Prior returns in 12 months: floor of an exponential with mean 2.5, capped at 20.</item>
/// <item>Tier: standard 60 %, silver 25 %, gold 15 %. Channel: web 60 %, marketplace 25 %, store 15 %.</item>
/// <item>Order value: log-normal, median 100, σ 0.9 (log), clipped to 5..3000.</item>
/// <item>Days since delivery: 70 % uniform 0..35, 30 % uniform 36..365.</item>
/// <item>Warranty: 0, 12 or 24 months (30/50/20 %), minus the months since delivery, never below 0.</item>
/// </list>
/// <para><b>Labelling rules</b>, first match wins:</para>
/// <list type="number">
/// <item>8 or more prior returns → manual_review (serial returner).</item>
/// <item>Convenience, 4+ prior returns and order value ≥ 300 → manual_review.</item>
/// <item>Defect or warranty: warranty left → replace; else within 30 days → refund; else a defect from a
/// family with defect rate ≥ 15 % within 90 days → refund (known-bad family); else decline.</item>
/// <item>Transit damage within 14 days → replace (refund when the value is ≥ 500); later → manual_review.</item>
/// <item>Wrong item: value under 40 → refund without return; else approve.</item>
/// <item>Convenience within 30 days → approve; within 60 days off the marketplace → store_credit (approve
/// for gold); otherwise decline.</item>
/// </list>
/// <para><b>Noise</b>: 5 % of labels are replaced by a uniformly drawn action, standing for agents who
/// decide differently; accuracy cannot reach 100 %.</para>
/// </remarks>
public static class SyntheticReturns
{
    /// <summary>Bumped whenever the assumptions or rules change, so model versions change with them.</summary>
    public const string GeneratorVersion = "synthetic-returns-v1";

    public const double LabelNoise = 0.05;

    public static IReadOnlyList<LabeledReturn> Generate(int seed, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var rows = new List<LabeledReturn>(count);
        for (var i = 0; i < count; i++)
        {
            var features = Draw(random);
            var action = Label(features);
            if (random.NextDouble() < LabelNoise)
            {
                action = (AdvisoryAction)random.Next(6);
            }

            rows.Add(new LabeledReturn(features, action));
        }

        return rows;
    }

    /// <summary>The noise-free rule for one return (the ground truth before noise).</summary>
    public static AdvisoryAction Label(ReturnFeatures f)
    {
        if (f.PriorReturns >= 8)
        {
            return AdvisoryAction.ManualReview;
        }

        switch (f.Reason)
        {
            case ReasonClass.Convenience when f.PriorReturns >= 4 && f.OrderValue >= 300m:
                return AdvisoryAction.ManualReview;
            case ReasonClass.Defect or ReasonClass.Warranty:
                if (f.WarrantyMonthsLeft > 0)
                {
                    return AdvisoryAction.Replace;
                }

                if (f.DaysSinceDelivery <= 30)
                {
                    return AdvisoryAction.Refund;
                }

                return f.Reason == ReasonClass.Defect && f.SkuFamilyDefectRate >= 0.15 && f.DaysSinceDelivery <= 90
                    ? AdvisoryAction.Refund
                    : AdvisoryAction.Decline;
            case ReasonClass.TransitDamage:
                if (f.DaysSinceDelivery > 14)
                {
                    return AdvisoryAction.ManualReview;
                }

                return f.OrderValue >= 500m ? AdvisoryAction.Refund : AdvisoryAction.Replace;
            case ReasonClass.WrongItem:
                return f.OrderValue < 40m ? AdvisoryAction.Refund : AdvisoryAction.Approve;
            default:
                if (f.DaysSinceDelivery <= 30)
                {
                    return AdvisoryAction.Approve;
                }

                if (f.DaysSinceDelivery <= 60 && f.Channel != SalesChannel.Marketplace)
                {
                    return f.Tier == CustomerTier.Gold ? AdvisoryAction.Approve : AdvisoryAction.StoreCredit;
                }

                return AdvisoryAction.Decline;
        }
    }

    private static ReturnFeatures Draw(Random random)
    {
        var reason = Pick(random, [(ReasonClass.Convenience, 0.40), (ReasonClass.Defect, 0.20), (ReasonClass.WrongItem, 0.15),
            (ReasonClass.TransitDamage, 0.13), (ReasonClass.Warranty, 0.12)]);
        var u = random.NextDouble();
        var defectRate = Math.Round(0.30 * u * u, 3);
        var priorReturns = Math.Min(20, (int)Math.Floor(-Math.Log(1 - random.NextDouble()) * 2.5));
        var tier = Pick(random, [(CustomerTier.Standard, 0.60), (CustomerTier.Silver, 0.25), (CustomerTier.Gold, 0.15)]);
        var channel = Pick(random, [(SalesChannel.Web, 0.60), (SalesChannel.Marketplace, 0.25), (SalesChannel.Store, 0.15)]);
        var value = Math.Clamp(Math.Exp(4.6 + (0.9 * Gaussian(random))), 5, 3000);
        var days = random.NextDouble() < 0.70 ? random.Next(0, 36) : random.Next(36, 366);
        var warrantyMonths = Pick(random, [(0, 0.30), (12, 0.50), (24, 0.20)]);
        var warrantyLeft = Math.Max(0, warrantyMonths - (days / 30));
        return new ReturnFeatures(reason, defectRate, priorReturns, tier, Math.Round((decimal)value, 2), days, warrantyLeft, channel);
    }

    private static T Pick<T>(Random random, (T Value, double Weight)[] choices)
    {
        var x = random.NextDouble();
        foreach (var (value, weight) in choices)
        {
            if (x < weight)
            {
                return value;
            }

            x -= weight;
        }

        return choices[^1].Value;
    }

    // Box-Muller: one standard normal draw from two uniforms.
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
