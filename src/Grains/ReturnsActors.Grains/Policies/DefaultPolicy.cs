using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Policies;

/// <summary>The policy used when a tenant has published none (version 0).</summary>
public static class DefaultPolicy
{
    public static PolicyDocument Document { get; } = new()
    {
        Version = 0,
        DefaultReturnWindowDays = 30,
        ReturnWindows =
        [
            new ReturnWindowRule("window.electronics", null, "electronics", 14),
            new ReturnWindowRule("window.marketplace", "marketplace", null, 14),
        ],
        NonReturnableCategories = ["gift_cards", "perishables", "hygiene"],
        MaxUnitsPerRma = 50,
        SerialRequiredCategories = ["electronics"],
        RestockingFeePercent = 10m,
        RestockingFeeReasonClasses = [ReasonClass.Convenience],
        AutoApproveLimit = 250m,
        FraudHoldRules =
        [
            new FraudHoldRule("fraud.signal", OnFraudSignal: true),
            new FraudHoldRule("fraud.high_value", MinReturnValue: 2000m),
        ],
        DispositionRules =
        [
            new DispositionRule("disposition.a", ItemGrade.A, null, Disposition.Restock),
            new DispositionRule("disposition.b.electronics", ItemGrade.B, "electronics", Disposition.Refurbish),
            new DispositionRule("disposition.b", ItemGrade.B, null, Disposition.Restock),
            new DispositionRule("disposition.c.electronics", ItemGrade.C, "electronics", Disposition.Repair),
            new DispositionRule("disposition.c", ItemGrade.C, null, Disposition.Donate),
            // Damaged or incomplete: a person decides between scrap, repair and a vendor claim.
            new DispositionRule("disposition.d", ItemGrade.D, null, Disposition.QualityReview),
        ],
        DefaultDisposition = Disposition.QualityReview,
        GradeDeductions =
        [
            new GradeDeduction("deduction.c", ItemGrade.C, 20m),
            new GradeDeduction("deduction.d", ItemGrade.D, 50m),
        ],
        Sla = new SlaHours(),
        EscalationQueue = "escalations",
        ReviewQueue = "review",
        ExpireWhenShipByPasses = true,
    };
}
