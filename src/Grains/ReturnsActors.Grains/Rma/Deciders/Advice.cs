using ReturnsActors.Grains.Rma.Events;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Advice decisions: recommendations on the trail, the step an auto-applied one takes, and overrides.</summary>
internal static class Advice
{
    public static Rejection? Decide(RmaTx tx, RecordRecommendation c)
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
        if (reasons.Count > RmaMachine.MaxRecommendationReasons || reasons.Any(r => string.IsNullOrWhiteSpace(r) || r.Length > RmaMachine.MaxReasonLength))
        {
            errors["reasons"] = [$"At most {RmaMachine.MaxRecommendationReasons} reasons of 1 to {RmaMachine.MaxReasonLength} characters."];
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
    private static Action? RecommendedStep(RmaTx tx, RecordRecommendation c)
    {
        var because = FormattableString.Invariant($"advisor recommends {c.Action} at confidence {c.Confidence:0.00}");
        var status = tx.State.Status;
        return c.Action switch
        {
            AdvisoryActions.Approve when status is RmaStatus.Requested or RmaStatus.UnderReview => () => Review.Authorize(tx, because, [RmaMachine.RuleAdvisoryAutoApply]),
            AdvisoryActions.Decline when status is RmaStatus.Requested or RmaStatus.UnderReview => () => Review.DeclineAll(tx, because),
            AdvisoryActions.ManualReview when status is RmaStatus.Requested or RmaStatus.Authorized => () => Review.FlagStep(tx, because, RmaMachine.RuleAdvisoryAutoApply),
            _ => null,
        };
    }

    public static Rejection? Decide(RmaTx tx, OverrideRecommendation c)
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
}
