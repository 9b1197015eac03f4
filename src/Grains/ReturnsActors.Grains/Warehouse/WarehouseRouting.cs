using System.Globalization;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>What routing needs to know about a return.</summary>
/// <param name="Region">The customer's region; null matches every warehouse.</param>
/// <param name="Categories">Categories of the accepted lines.</param>
/// <param name="Units">Units expected to arrive.</param>
/// <param name="NeedsGrading">A defect or warranty line: its grade backs a vendor claim.</param>
/// <param name="ExcludeWarehouseId">A warehouse not to choose (the one being rebalanced).</param>
public sealed record RouteRequest(string? Region, IReadOnlyList<string> Categories, int Units, bool NeedsGrading, string? ExcludeWarehouseId = null);

/// <summary>The chosen warehouse (null: none qualifies), the rule ids that decided, and a reason a person can read.</summary>
public sealed record RouteDecision(string? WarehouseId, IReadOnlyList<string> RuleIds, string Reason);

/// <summary>Routing policy: plain C#, no Orleans. A warehouse qualifies when it serves the return's region
/// (<c>route.region</c>), handles every category (<c>route.category</c>), can grade a defect or warranty return
/// (<c>route.grading</c>) and has capacity left for its units (<c>route.capacity</c>); among those the cheapest per
/// unit wins (<c>route.cost</c>), then the one with most capacity left, then the id (deterministic).</summary>
public static class WarehouseRouting
{
    public const string RuleRegion = "route.region";
    public const string RuleCategory = "route.category";
    public const string RuleGrading = "route.grading";
    public const string RuleCapacity = "route.capacity";
    public const string RuleCost = "route.cost";

    public static RouteDecision Choose(IReadOnlyList<WarehouseSummary> warehouses, RouteRequest request)
    {
        var excluded = new List<string>();
        var firedRules = new HashSet<string>();
        var eligible = new List<WarehouseSummary>();
        foreach (var w in warehouses.OrderBy(w => w.WarehouseId, StringComparer.Ordinal))
        {
            if (w.WarehouseId == request.ExcludeWarehouseId)
            {
                excluded.Add($"{w.WarehouseId} (being rebalanced)");
                continue;
            }

            var why = Disqualify(w, request);
            if (why is null)
            {
                eligible.Add(w);
            }
            else
            {
                firedRules.Add(why.Value.Rule);
                excluded.Add($"{w.WarehouseId} ({why.Value.Text})");
            }
        }

        var excludedText = excluded.Count == 0 ? "" : "; excluded: " + string.Join(", ", excluded);
        if (eligible.Count == 0)
        {
            var rules = firedRules.Count == 0 ? [RuleCapacity] : firedRules.Order(StringComparer.Ordinal).ToList();
            return new RouteDecision(null, rules, $"No warehouse qualifies for {request.Units} unit(s){excludedText}.");
        }

        var chosen = eligible
            .OrderBy(w => w.CostPerUnit)
            .ThenByDescending(w => w.CapacityLeft)
            .ThenBy(w => w.WarehouseId, StringComparer.Ordinal)
            .First();
        var ruleIds = new List<string> { RuleRegion, RuleCategory };
        if (request.NeedsGrading)
        {
            ruleIds.Add(RuleGrading);
        }

        ruleIds.Add(RuleCapacity);
        ruleIds.Add(RuleCost);
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{chosen.WarehouseId}: serves region {request.Region ?? "(any)"}, handles {string.Join(", ", request.Categories)}, " +
            $"{chosen.CapacityLeft} unit(s) of capacity left, cost {chosen.CostPerUnit:0.00}/unit, cheapest of {eligible.Count} eligible{excludedText}.");
        return new RouteDecision(chosen.WarehouseId, ruleIds, reason);
    }

    private static (string Rule, string Text)? Disqualify(WarehouseSummary w, RouteRequest r)
    {
        if (r.Region is not null && w.Regions.Count > 0 && !w.Regions.Contains(r.Region, StringComparer.OrdinalIgnoreCase))
        {
            return (RuleRegion, $"does not serve {r.Region}");
        }

        var missing = r.Categories.Where(c => !Handles(w, c)).ToList();
        if (missing.Count > 0)
        {
            return (RuleCategory, $"does not handle {string.Join(", ", missing)}");
        }

        if (r.NeedsGrading && !w.Grading)
        {
            return (RuleGrading, "cannot grade");
        }

        if (w.CapacityLeft < Math.Max(1, r.Units))
        {
            return (RuleCapacity, $"over capacity: {w.OpenUnits} of {w.DailyCapacityUnits} units open");
        }

        return null;
    }

    private static bool Handles(WarehouseSummary w, string category) =>
        w.Categories.Count == 0 || w.Categories.Contains("*") || w.Categories.Contains(category, StringComparer.OrdinalIgnoreCase);
}
