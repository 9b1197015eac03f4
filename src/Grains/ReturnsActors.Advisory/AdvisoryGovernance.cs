namespace ReturnsActors.Advisory;

/// <summary>A tenant's rule for acting on recommendations. The default is advisory only.</summary>
/// <param name="AutoApplyActions">Actions the system may apply without a person.</param>
/// <param name="MinConfidence">Lowest model confidence (0-1) for automatic application.</param>
public sealed record AdvisoryPolicy(IReadOnlySet<AdvisoryAction> AutoApplyActions, double MinConfidence)
{
    /// <summary>Below this no threshold is trusted, whatever a tenant configures.</summary>
    public const double LowestAllowedThreshold = 0.5;

    public static AdvisoryPolicy AdvisoryOnly { get; } = new(new HashSet<AdvisoryAction>(), 1.0);
}

/// <summary>Whether a recommendation is shown to a person or applied.</summary>
public enum AdvisoryMode
{
    Advisory = 0,
    AutoApply = 1,
}

/// <summary>The governance decision for one recommendation and why.</summary>
public sealed record GovernanceDecision(AdvisoryMode Mode, string Why);

/// <summary>Pure governance: a recommendation is applied automatically only when the tenant lists its
/// action and the confidence reaches the threshold; everything else is advice.</summary>
public static class AdvisoryGovernance
{
    public static GovernanceDecision Decide(AdvisoryPolicy policy, Recommendation recommendation)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(recommendation);
        var action = AdvisoryNames.Of(recommendation.Action);
        if (!policy.AutoApplyActions.Contains(recommendation.Action))
        {
            return new GovernanceDecision(AdvisoryMode.Advisory, $"policy does not allow automatic {action}");
        }

        if (double.IsNaN(policy.MinConfidence) || policy.MinConfidence < AdvisoryPolicy.LowestAllowedThreshold)
        {
            return new GovernanceDecision(AdvisoryMode.Advisory, "policy threshold is below the allowed minimum");
        }

        return recommendation.Confidence >= policy.MinConfidence
            ? new GovernanceDecision(AdvisoryMode.AutoApply, FormattableString.Invariant(
                $"{action} at confidence {recommendation.Confidence:0.00} >= {policy.MinConfidence:0.00}"))
            : new GovernanceDecision(AdvisoryMode.Advisory, FormattableString.Invariant(
                $"confidence {recommendation.Confidence:0.00} below {policy.MinConfidence:0.00}"));
    }
}
