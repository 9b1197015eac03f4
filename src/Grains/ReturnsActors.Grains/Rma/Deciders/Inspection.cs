using ReturnsActors.Grains.Policies;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Rma.Deciders;

/// <summary>Inspection decisions: grading the received lines and their disposition by policy or by a person.</summary>
internal static class Inspection
{
    public static Rejection? Decide(RmaTx tx, RecordInspection c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "inspect", RmaStatus.Received, RmaStatus.PartiallyReceived, RmaStatus.Inspecting) is { } r)
        {
            return r;
        }

        var input = c.Lines ?? [];
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < input.Count; i++)
        {
            var line = s.Lines.FirstOrDefault(l => l.LineId == input[i].LineId);
            if (line is null || !line.IsInspectable)
            {
                errors[$"lines[{i}].lineId"] = ["No received line with this id."];
            }
            else if (!Enum.IsDefined(input[i].Grade))
            {
                errors[$"lines[{i}].grade"] = ["Unknown grade."];
            }
        }

        if (input.Count == 0)
        {
            errors["lines"] = ["At least one line."];
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("inspection.invalid", "The inspection does not match the received lines.", errors);
        }

        foreach (var item in input)
        {
            var line = s.Lines.First(l => l.LineId == item.LineId);
            tx.Raise(new ItemInspected(line.LineId, line.Sku, item.Grade, item.ConditionNotes, (item.EvidenceRefs ?? []).ToList()));
        }

        return null;
    }

    public static Rejection? Decide(RmaTx tx, DispositionRma c)
    {
        var s = tx.State;
        if (Guards.Illegal(s, "disposition", RmaStatus.Received, RmaStatus.Inspecting) is { } r)
        {
            return r;
        }

        var inspectable = s.Lines.Where(l => l.IsInspectable).ToList();
        if (inspectable.Any(l => l.Grade is null))
        {
            return Rejection.Conflict("rma.inspection_incomplete", "Every received line must be inspected before disposition.");
        }

        var input = c.Lines ?? [];
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < input.Count; i++)
        {
            if (inspectable.All(l => l.LineId != input[i].LineId))
            {
                errors[$"lines[{i}].lineId"] = ["No inspected line with this id."];
            }
            else if (!Enum.IsDefined(input[i].Disposition))
            {
                errors[$"lines[{i}].disposition"] = ["Unknown disposition."];
            }
        }

        if (errors.Count > 0)
        {
            return Rejection.Invalid("disposition.invalid", "The disposition does not match the inspected lines.", errors);
        }

        var decided = new List<(RmaLineState Line, Disposition Disposition, string Rule)>();
        foreach (var line in inspectable)
        {
            var explicitChoice = input.FirstOrDefault(d => d.LineId == line.LineId);
            if (explicitChoice is null && line.Disposition is not null)
            {
                // Decided by an earlier call of this return (the rest waited for quality review).
                continue;
            }

            var (disposition, rule) = explicitChoice is null
                ? PolicyRules.DispositionFor(s.Policy, line.Grade!.Value, line.Category)
                : (explicitChoice.Disposition, "manual.disposition");
            decided.Add((line, disposition, rule));
        }

        if (decided.Count == 0)
        {
            return Rejection.Conflict("rma.quality_review_pending",
                "Every inspected line is decided or awaits quality review; disposition the reviewed lines explicitly.");
        }

        // The return waits in inspection while any line, decided now or before, awaits a person's decision.
        var chosen = decided.ToDictionary(d => d.Line.LineId, d => d.Disposition);
        var awaitsReview = inspectable.Any(l => (chosen.TryGetValue(l.LineId, out var d) ? d : l.Disposition) == Disposition.QualityReview);
        var status = awaitsReview ? RmaStatus.Inspecting : RmaStatus.Dispositioned;
        foreach (var (line, disposition, rule) in decided)
        {
            tx.Raise(new ItemDispositioned(line.LineId, line.Sku, line.Grade, disposition, status), [rule]);
        }

        var toReview = decided.Where(d => d.Disposition == Disposition.QualityReview).ToList();
        if (toReview.Count > 0)
        {
            tx.CreateTask(TaskQueues.QualityReview, TaskQueues.KindQualityReview,
                "Quality review: " + string.Join("; ", toReview.Select(d => $"line {d.Line.LineId} ({d.Line.Sku}, grade {d.Line.Grade})")) + ".",
                toReview.Select(d => d.Rule).Distinct().ToList());
        }

        return null;
    }
}
