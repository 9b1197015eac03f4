using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Policies;

/// <summary>Checks a policy document before it is saved or published; errors are keyed by JSON path.</summary>
public static class PolicyValidator
{
    public static Dictionary<string, string[]> Validate(PolicyDocument policy)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (policy.DefaultReturnWindowDays is < 0 or > 3650)
        {
            Add("defaultReturnWindowDays", "Must be between 0 and 3650 days.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        void RuleId(string field, string? id)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                Add(field, "A rule id is required.");
            }
            else if (!ids.Add(id))
            {
                Add(field, $"Rule id '{id}' is used more than once.");
            }
        }

        var windows = policy.ReturnWindows ?? [];
        for (var i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            RuleId($"returnWindows[{i}].id", w.Id);
            if (w.Days is < 0 or > 3650)
            {
                Add($"returnWindows[{i}].days", "Must be between 0 and 3650 days.");
            }

            if (string.IsNullOrWhiteSpace(w.Channel) && string.IsNullOrWhiteSpace(w.Category))
            {
                Add($"returnWindows[{i}]", "Give a channel, a category or both (the default window covers the rest).");
            }

            if (windows.Take(i).Any(o => Same(o.Channel, w.Channel) && Same(o.Category, w.Category)))
            {
                Add($"returnWindows[{i}]", "Another window has the same channel and category.");
            }
        }

        if (policy.MaxUnitsPerRma is < 1 or > 10_000)
        {
            Add("maxUnitsPerRma", "Must be between 1 and 10000.");
        }

        if (policy.RestockingFeePercent is < 0 or > 100)
        {
            Add("restockingFeePercent", "Must be between 0 and 100.");
        }

        if (policy.AutoApproveLimit < 0)
        {
            Add("autoApproveLimit", "Must not be negative.");
        }

        var fraud = policy.FraudHoldRules ?? [];
        for (var i = 0; i < fraud.Count; i++)
        {
            var f = fraud[i];
            RuleId($"fraudHoldRules[{i}].id", f.Id);
            if (!f.OnFraudSignal && f.MinReturnValue is null && f.ReasonClasses is not { Count: > 0 } && f.Channels is not { Count: > 0 })
            {
                Add($"fraudHoldRules[{i}]", "A fraud rule needs at least one condition.");
            }

            if (f.MinReturnValue < 0)
            {
                Add($"fraudHoldRules[{i}].minReturnValue", "Must not be negative.");
            }

            if (!IsQueueName(f.Queue))
            {
                Add($"fraudHoldRules[{i}].queue", "A queue name is 1 to 64 lower-case letters, digits or '_'.");
            }
        }

        var dispositions = policy.DispositionRules ?? [];
        for (var i = 0; i < dispositions.Count; i++)
        {
            var d = dispositions[i];
            RuleId($"dispositionRules[{i}].id", d.Id);
            if (d.Grade is null && string.IsNullOrWhiteSpace(d.Category))
            {
                Add($"dispositionRules[{i}]", "Give a grade, a category or both (the default disposition covers the rest).");
            }

            if (!Enum.IsDefined(d.Disposition))
            {
                Add($"dispositionRules[{i}].disposition", "Unknown disposition.");
            }
        }

        var deductions = policy.GradeDeductions ?? [];
        for (var i = 0; i < deductions.Count; i++)
        {
            RuleId($"gradeDeductions[{i}].id", deductions[i].Id);
            if (deductions[i].Percent is < 0 or > 100)
            {
                Add($"gradeDeductions[{i}].percent", "Must be between 0 and 100.");
            }

            if (deductions.Take(i).Any(o => o.Grade == deductions[i].Grade))
            {
                Add($"gradeDeductions[{i}].grade", "Only one deduction per grade.");
            }
        }

        var sla = policy.Sla;
        if (sla is null)
        {
            Add("sla", "SLA hours are required.");
        }
        else
        {
            foreach (var (name, hours) in new[]
                     {
                         ("authorizeHours", sla.AuthorizeHours), ("shipHours", sla.ShipHours), ("receiveHours", sla.ReceiveHours),
                         ("inspectHours", sla.InspectHours), ("refundHours", sla.RefundHours),
                     })
            {
                if (hours is < 1 or > 24 * 365)
                {
                    Add($"sla.{name}", "Must be between 1 and 8760 hours.");
                }
            }

            if (sla.WarningPercent is < 1 or > 99)
            {
                Add("sla.warningPercent", "Must be between 1 and 99.");
            }
        }

        if (!IsQueueName(policy.EscalationQueue))
        {
            Add("escalationQueue", "A queue name is 1 to 64 lower-case letters, digits or '_'.");
        }

        if (!IsQueueName(policy.ReviewQueue))
        {
            Add("reviewQueue", "A queue name is 1 to 64 lower-case letters, digits or '_'.");
        }

        var autoApply = policy.AdvisoryAutoApplyActions ?? [];
        for (var i = 0; i < autoApply.Count; i++)
        {
            if (!AdvisoryActions.IsKnown(autoApply[i]))
            {
                Add($"advisoryAutoApplyActions[{i}]", $"Unknown action; use {string.Join(", ", AdvisoryActions.All)}.");
            }
            else if (autoApply.Take(i).Contains(autoApply[i], StringComparer.Ordinal))
            {
                Add($"advisoryAutoApplyActions[{i}]", "Listed more than once.");
            }
        }

        if (double.IsNaN(policy.AdvisoryMinConfidence) || policy.AdvisoryMinConfidence is < 0.5 or > 1.0)
        {
            Add("advisoryMinConfidence", "Must be between 0.5 and 1.0.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static bool IsQueueName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private static bool Same(string? a, string? b) => string.Equals(a ?? "", b ?? "", StringComparison.OrdinalIgnoreCase);
}
