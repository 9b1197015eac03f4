using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Policies;

/// <summary>The policy a return was opened under, as its <c>return.requested</c> event carries it: the version's identity
/// (<see cref="Version"/> of the policy of <see cref="BusinessUnit"/>, or of the tenant when none; 0 is the built-in default) and
/// the terms that decide anything after the return was opened (escalation and review queues, ship-by expiry, restocking fee,
/// grade deductions, dispositions; the SLA hours travel beside it as <c>sla</c>). Eligibility, auto-approval and fraud-hold rules
/// are decided once, when the return is opened, and are not repeated here: the version names them.</summary>
[GenerateSerializer, Immutable, Alias("ra.PolicyTerms")]
public sealed record PolicyTerms(
    [property: Id(0)] int Version,
    [property: Id(1)] string? BusinessUnit,
    [property: Id(2)] string EscalationQueue,
    [property: Id(3)] string ReviewQueue,
    [property: Id(4)] bool ExpireWhenShipByPasses,
    [property: Id(5)] decimal RestockingFeePercent,
    [property: Id(6)] IReadOnlyList<ReasonClass> RestockingFeeReasonClasses,
    [property: Id(7)] IReadOnlyList<GradeDeduction> GradeDeductions,
    [property: Id(8)] IReadOnlyList<ReasonClass> GradeDeductionReasonClasses,
    [property: Id(9)] IReadOnlyList<DispositionRule> DispositionRules,
    [property: Id(10)] Disposition DefaultDisposition)
{
    /// <summary>The terms of <paramref name="policy"/>.</summary>
    public static PolicyTerms Of(PolicyDocument policy) =>
        new(policy.Version, policy.BusinessUnit, policy.EscalationQueue, policy.ReviewQueue, policy.ExpireWhenShipByPasses,
            policy.RestockingFeePercent, policy.RestockingFeeReasonClasses, policy.GradeDeductions, policy.GradeDeductionReasonClasses,
            policy.DispositionRules, policy.DefaultDisposition);

    /// <summary>A policy document holding these terms and <paramref name="sla"/>; the rules decided at opening keep their defaults.</summary>
    public PolicyDocument ToDocument(SlaHours sla) => new()
    {
        Version = Version,
        BusinessUnit = BusinessUnit,
        EscalationQueue = EscalationQueue,
        ReviewQueue = ReviewQueue,
        ExpireWhenShipByPasses = ExpireWhenShipByPasses,
        RestockingFeePercent = RestockingFeePercent,
        RestockingFeeReasonClasses = RestockingFeeReasonClasses,
        GradeDeductions = GradeDeductions,
        GradeDeductionReasonClasses = GradeDeductionReasonClasses,
        DispositionRules = DispositionRules,
        DefaultDisposition = DefaultDisposition,
        Sla = sla,
    };
}
