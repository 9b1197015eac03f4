namespace ReturnsActors.Grains.Policies;

/// <summary>Compares the decisions of two policies over the same returns.</summary>
public static class PolicyDryRun
{
    public static DryRunReport Run(PolicyDocument baseline, PolicyDocument draft, IReadOnlyList<RmaSnapshot> snapshots)
    {
        var changes = new List<DryRunChange>();
        foreach (var snapshot in snapshots)
        {
            var before = Decide(baseline, snapshot);
            var after = Decide(draft, snapshot);
            foreach (var (decision, value) in after)
            {
                var old = before.GetValueOrDefault(decision, "-");
                if (old != value)
                {
                    changes.Add(new DryRunChange(snapshot.RmaId, decision, old, value));
                }
            }

            foreach (var (decision, value) in before.Where(b => !after.ContainsKey(b.Key)))
            {
                changes.Add(new DryRunChange(snapshot.RmaId, decision, value, "-"));
            }
        }

        return new DryRunReport(baseline.Version, snapshots.Count, changes.Select(c => c.RmaId).Distinct().Count(), changes);
    }

    /// <summary>Every decision a policy makes for one return, by name, as comparable text.</summary>
    public static SortedDictionary<string, string> Decide(PolicyDocument policy, RmaSnapshot snapshot)
    {
        var decisions = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var violations = new List<RuleViolation>();
        for (var i = 0; i < snapshot.Lines.Count; i++)
        {
            var line = snapshot.Lines[i];
            violations.AddRange(PolicyRules.CheckLine(policy, $"lines[{i}]", snapshot.Channel, line.Category,
                snapshot.OrderDeliveredAt, snapshot.RequestedAt, line.SerialCount, line.Quantity));
        }

        if (snapshot.Lines.Sum(l => l.Quantity) > policy.MaxUnitsPerRma)
        {
            violations.Add(new("lines", "Too many units.", "max_units_per_rma"));
        }

        decisions["eligibility"] = violations.Count == 0
            ? "eligible"
            : "ineligible: " + string.Join(",", violations.Select(v => v.RuleId).Distinct().Order(StringComparer.Ordinal));
        if (violations.Count > 0)
        {
            return decisions;
        }

        var value = snapshot.Lines.Sum(l => l.UnitPrice.Amount * l.Quantity);
        var (route, _, _) = PolicyRules.Route(policy, snapshot.Channel, value, snapshot.Lines.Select(l => l.ReasonClass), snapshot.FraudSignal);
        decisions["route"] = route;

        foreach (var line in snapshot.Lines)
        {
            var lineValue = line.UnitPrice.Times(line.Quantity);
            var (fee, _) = PolicyRules.RestockingFee(policy, line.ReasonClass, lineValue);
            var (deduction, _) = PolicyRules.Deduction(policy, line.Grade, line.ReasonClass, lineValue);
            decisions[$"lines[{line.LineId}].refund"] = (lineValue - fee - deduction).AtLeastZero().ToString();
            if (line.Grade is { } grade)
            {
                decisions[$"lines[{line.LineId}].disposition"] = PolicyRules.DispositionFor(policy, grade, line.Category).Disposition.ToString();
            }
        }

        return decisions;
    }
}
