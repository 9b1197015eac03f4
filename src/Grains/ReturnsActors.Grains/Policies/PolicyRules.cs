using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Policies;

/// <summary>A rule that refused a line: the field, a message for people, and the rule id.</summary>
public sealed record RuleViolation(string Field, string Message, string RuleId);

/// <summary>Pure policy decisions shared by the return state machine and the dry run.</summary>
public static class PolicyRules
{
    public const string RouteAutoApprove = "auto_approve";
    public const string RouteReview = "review";
    public const string RouteFraudHold = "fraud_hold";

    /// <summary>The return window for a channel and category; the most specific rule wins.</summary>
    public static (int Days, string RuleId) WindowFor(PolicyDocument policy, string channel, string category)
    {
        var rule = policy.ReturnWindows.FirstOrDefault(r => Is(r.Channel, channel) && Is(r.Category, category))
            ?? policy.ReturnWindows.FirstOrDefault(r => r.Channel is null && Is(r.Category, category))
            ?? policy.ReturnWindows.FirstOrDefault(r => Is(r.Channel, channel) && r.Category is null);
        return rule is null ? (policy.DefaultReturnWindowDays, "window.default") : (rule.Days, rule.Id);
    }

    /// <summary>Line-level eligibility that depends on policy only (not on the order ledger).</summary>
    public static List<RuleViolation> CheckLine(
        PolicyDocument policy, string field, string channel, string category,
        DateTimeOffset deliveredAt, DateTimeOffset requestedAt, int serialCount, int quantity)
    {
        var violations = new List<RuleViolation>();
        if (policy.NonReturnableCategories.Any(c => Is(c, category)))
        {
            violations.Add(new(field, $"Category '{category}' is not returnable.", "non_returnable"));
            return violations;
        }

        var (days, windowRule) = WindowFor(policy, channel, category);
        if (requestedAt - deliveredAt > TimeSpan.FromDays(days))
        {
            violations.Add(new(field, $"The {days}-day return window for '{category}' via '{channel}' has passed.", windowRule));
        }

        if (policy.SerialRequiredCategories.Any(c => Is(c, category)) && serialCount != quantity)
        {
            violations.Add(new(field, $"Category '{category}' needs one serial number per unit ({quantity}).", "serial_required"));
        }

        return violations;
    }

    /// <summary>Fraud-hold rules that match a new return.</summary>
    public static List<FraudHoldRule> FraudRulesMatching(
        PolicyDocument policy, string channel, decimal returnValue, IEnumerable<ReasonClass> reasons, bool fraudSignal)
    {
        var reasonSet = reasons.ToHashSet();
        return policy.FraudHoldRules.Where(r =>
                (!r.OnFraudSignal || fraudSignal)
                && (r.MinReturnValue is null || returnValue >= r.MinReturnValue)
                && (r.ReasonClasses is null || r.ReasonClasses.Count == 0 || r.ReasonClasses.Any(reasonSet.Contains))
                && (r.Channels is null || r.Channels.Count == 0 || r.Channels.Any(c => Is(c, channel)))
                && (r.OnFraudSignal || r.MinReturnValue is not null || r.ReasonClasses is { Count: > 0 } || r.Channels is { Count: > 0 }))
            .ToList();
    }

    /// <summary>How a new return is routed: held for fraud, sent to review, or authorized at once.</summary>
    public static (string Route, IReadOnlyList<string> RuleIds, string Queue) Route(
        PolicyDocument policy, string channel, decimal returnValue, IEnumerable<ReasonClass> reasons, bool fraudSignal)
    {
        var fraud = FraudRulesMatching(policy, channel, returnValue, reasons, fraudSignal);
        if (fraud.Count > 0)
        {
            return (RouteFraudHold, fraud.Select(r => r.Id).ToList(), fraud[0].Queue);
        }

        return returnValue > policy.AutoApproveLimit
            ? (RouteReview, ["auto_approve.limit_exceeded"], policy.ReviewQueue)
            : (RouteAutoApprove, ["auto_approve.within_limit"], "");
    }

    /// <summary>Disposition by grade and category: grade and category, then grade, then category, then the default.</summary>
    public static (Disposition Disposition, string RuleId) DispositionFor(PolicyDocument policy, ItemGrade grade, string category)
    {
        var rule = policy.DispositionRules.FirstOrDefault(r => r.Grade == grade && Is(r.Category, category))
            ?? policy.DispositionRules.FirstOrDefault(r => r.Grade == grade && r.Category is null)
            ?? policy.DispositionRules.FirstOrDefault(r => r.Grade is null && Is(r.Category, category));
        return rule is null ? (policy.DefaultDisposition, "disposition.default") : (rule.Disposition, rule.Id);
    }

    /// <summary>Restocking fee on a line value, when the reason class carries one.</summary>
    public static (Money Fee, string? RuleId) RestockingFee(PolicyDocument policy, ReasonClass reason, Money lineValue) =>
        policy.RestockingFeePercent > 0 && policy.RestockingFeeReasonClasses.Contains(reason)
            ? (lineValue.Percent(policy.RestockingFeePercent), "restocking_fee")
            : (Money.Zero(lineValue.Currency), null);

    /// <summary>Deduction for the inspection grade, when the reason class makes the customer bear it.</summary>
    public static (Money Deduction, string? RuleId) Deduction(PolicyDocument policy, ItemGrade? grade, ReasonClass reason, Money lineValue)
    {
        var rule = grade is null || !policy.GradeDeductionReasonClasses.Contains(reason)
            ? null
            : policy.GradeDeductions.FirstOrDefault(d => d.Grade == grade);
        return rule is null ? (Money.Zero(lineValue.Currency), null) : (lineValue.Percent(rule.Percent), rule.Id);
    }

    private static bool Is(string? ruleValue, string value) =>
        ruleValue is not null && string.Equals(ruleValue, value, StringComparison.OrdinalIgnoreCase);
}
