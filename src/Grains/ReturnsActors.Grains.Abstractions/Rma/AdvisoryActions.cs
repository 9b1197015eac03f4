namespace ReturnsActors.Grains.Rma;

/// <summary>The names of the actions an advisory recommendation may name (the same names the advisory models use),
/// for tenant policy and the audit trail; the grains stay free of the ML library.</summary>
public static class AdvisoryActions
{
    public const string Approve = "approve";
    public const string Replace = "replace";
    public const string Refund = "refund";
    public const string StoreCredit = "store_credit";
    public const string ManualReview = "manual_review";
    public const string Decline = "decline";

    public static IReadOnlyList<string> All { get; } = [Approve, Replace, Refund, StoreCredit, ManualReview, Decline];

    public static bool IsKnown(string? action) => action is not null && All.Contains(action, StringComparer.Ordinal);

    /// <summary>The recorded name of a mode on the audit trail: <c>advisory</c> or <c>auto_applied</c>.</summary>
    public static string ModeName(RecommendationMode mode) => mode == RecommendationMode.AutoApplied ? "auto_applied" : "advisory";
}
