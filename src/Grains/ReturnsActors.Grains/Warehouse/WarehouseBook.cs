using System.Globalization;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Grains.Warehouses;

/// <summary>The warehouse's figures and backlog rules: plain C#, no Orleans.</summary>
public static class WarehouseBook
{
    public const int MaxEvents = 100;
    public const int MaxListedInbound = 100;
    public static readonly TimeSpan KeepDoneFor = TimeSpan.FromDays(30);

    public static Rejection? Register(WarehouseState s, RegisterWarehouse c)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Length > 200) errors["name"] = ["Must be 1 to 200 characters."];
        if (c.DailyCapacityUnits < 0) errors["dailyCapacityUnits"] = ["Must not be negative."];
        if (c.CostPerUnit < 0) errors["costPerUnit"] = ["Must not be negative."];
        if (c.BacklogWarningUnits < 0 || c.BacklogBreachUnits < 0) errors["backlogWarningUnits"] = ["Thresholds must not be negative."];
        if (c.BacklogBreachUnits > 0 && c.BacklogWarningUnits > c.BacklogBreachUnits) errors["backlogBreachUnits"] = ["Must be at least the warning threshold."];
        if (c.BacklogWarningHours <= 0 || c.BacklogBreachHours < c.BacklogWarningHours) errors["backlogBreachHours"] = ["Hours must be positive, breach at least warning."];
        if ((c.Regions ?? []).Any(string.IsNullOrWhiteSpace) || (c.Categories ?? []).Any(string.IsNullOrWhiteSpace)) errors["regions"] = ["Regions and categories must not be blank."];
        if (errors.Count > 0)
        {
            return Rejection.Invalid("warehouse.invalid", "The warehouse is not valid.", errors);
        }

        s.Registered = true;
        s.Name = c.Name.Trim();
        s.Regions = (c.Regions ?? []).Select(r => r.Trim().ToUpperInvariant()).Distinct().ToList();
        s.Categories = (c.Categories ?? []).Select(r => r.Trim()).Distinct().ToList();
        s.Grading = c.Grading;
        s.Refurbishment = c.Refurbishment;
        s.DailyCapacityUnits = c.DailyCapacityUnits;
        s.CostPerUnit = c.CostPerUnit;
        // Defaults scale with capacity: half a day of backlog warns, a full day breaches.
        s.BacklogWarningUnits = c.BacklogWarningUnits > 0 ? c.BacklogWarningUnits : Math.Max(1, c.DailyCapacityUnits / 2);
        s.BacklogBreachUnits = c.BacklogBreachUnits > 0 ? c.BacklogBreachUnits : Math.Max(s.BacklogWarningUnits, c.DailyCapacityUnits);
        s.BacklogWarningHours = c.BacklogWarningHours;
        s.BacklogBreachHours = c.BacklogBreachHours;
        return null;
    }

    /// <summary>Applies report items; an item whose seq is not after the return's last applied one is a duplicate and skipped.
    /// Returns how many were applied.</summary>
    public static int Apply(WarehouseState s, IEnumerable<WarehouseReportItem> items)
    {
        var applied = 0;
        foreach (var item in items.OrderBy(i => i.RmaId, StringComparer.Ordinal).ThenBy(i => i.Seq))
        {
            if (!s.Rmas.TryGetValue(item.RmaId, out var t))
            {
                t = new WarehouseRmaTrack { RoutedAt = item.OccurredAt };
                s.Rmas[item.RmaId] = t;
            }

            if (item.Seq <= t.LastSeq)
            {
                continue;
            }

            t.LastSeq = item.Seq;
            applied++;
            var units = Math.Max(0, item.Units);
            switch (item.Kind)
            {
                case WarehouseReportKind.Routed:
                    t.ExpectedUnits = units;
                    t.RoutedAt = item.OccurredAt;
                    t.DoneAt = null;
                    break;
                case WarehouseReportKind.Unrouted:
                    t.ExpectedUnits = 0;
                    if (t.BacklogUnits == 0)
                    {
                        t.DoneAt = item.OccurredAt;
                    }

                    break;
                case WarehouseReportKind.Received:
                    t.ExpectedUnits = Math.Max(0, t.ExpectedUnits - units);
                    t.ReceivedUnits += units;
                    t.ReceivedAt ??= item.OccurredAt;
                    t.DoneAt = null;
                    s.ReceivedUnits += units;
                    break;
                case WarehouseReportKind.Inspected when item.LineId is not null && !t.InspectedLines.Contains(item.LineId):
                    // Only the first inspection of a line counts: it is the first-pass outcome, and it empties the backlog.
                    t.InspectedLines.Add(item.LineId);
                    t.InspectedUnits += units;
                    s.InspectedUnits += units;
                    var grade = (item.Grade ?? ItemGrade.D).ToString();
                    s.FirstPassGrades[grade] = s.FirstPassGrades.GetValueOrDefault(grade) + 1;
                    break;
                case WarehouseReportKind.Dispositioned:
                    s.ProcessedUnits += units;
                    var hour = HourKey(item.OccurredAt);
                    s.ProcessedByHour[hour] = s.ProcessedByHour.GetValueOrDefault(hour) + units;
                    if (t.BacklogUnits == 0)
                    {
                        t.ExpectedUnits = 0;
                        t.DoneAt = item.OccurredAt;
                    }

                    break;
            }
        }

        return applied;
    }

    /// <summary>Expected inbound plus backlog: the open work routing weighs against daily capacity.</summary>
    public static int OpenUnits(WarehouseState s) => s.Rmas.Values.Sum(t => t.ExpectedUnits + t.BacklogUnits);

    public static TimeSpan? OldestBacklogAge(WarehouseState s, DateTimeOffset now)
    {
        var oldest = s.Rmas.Values.Where(t => t.BacklogUnits > 0 && t.ReceivedAt is not null).Select(t => t.ReceivedAt!.Value).DefaultIfEmpty().Min();
        return oldest == default ? null : now - oldest;
    }

    public static BacklogLevel LevelOf(WarehouseState s, DateTimeOffset now)
    {
        var units = s.Rmas.Values.Sum(t => t.BacklogUnits);
        if (units == 0)
        {
            return BacklogLevel.Normal;
        }

        var age = OldestBacklogAge(s, now) ?? TimeSpan.Zero;
        if (units >= s.BacklogBreachUnits || age >= TimeSpan.FromHours(s.BacklogBreachHours))
        {
            return BacklogLevel.Breached;
        }

        return units >= s.BacklogWarningUnits || age >= TimeSpan.FromHours(s.BacklogWarningHours) ? BacklogLevel.Warning : BacklogLevel.Normal;
    }

    /// <summary>Moves the backlog level to what the figures say and returns the event raised by the move, if any.</summary>
    public static WarehouseEvent? Evaluate(WarehouseState s, DateTimeOffset now)
    {
        var level = LevelOf(s, now);
        if (level == s.BacklogLevel)
        {
            return null;
        }

        var units = s.Rmas.Values.Sum(t => t.BacklogUnits);
        var age = OldestBacklogAge(s, now);
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"Backlog {units} unit(s), oldest {(age?.TotalHours ?? 0):0.0} h; warning at {s.BacklogWarningUnits} units or {s.BacklogWarningHours:0.#} h, breach at {s.BacklogBreachUnits} units or {s.BacklogBreachHours:0.#} h.");
        var type = level switch
        {
            BacklogLevel.Breached => "warehouse.backlog_breached",
            BacklogLevel.Warning => "warehouse.backlog_warning",
            _ => "warehouse.backlog_cleared",
        };
        s.BacklogLevel = level;
        var e = new WarehouseEvent(type, now, detail);
        s.Events.Add(e);
        if (s.Events.Count > MaxEvents)
        {
            s.Events.RemoveRange(0, s.Events.Count - MaxEvents);
        }

        return e;
    }

    /// <summary>Drops returns that left long ago and throughput buckets older than 48 hours.</summary>
    public static void Prune(WarehouseState s, DateTimeOffset now)
    {
        foreach (var (rmaId, _) in s.Rmas.Where(kv => kv.Value.DoneAt is { } done && now - done > KeepDoneFor).ToList())
        {
            s.Rmas.Remove(rmaId);
        }

        var oldest = HourKey(now.AddHours(-48));
        foreach (var key in s.ProcessedByHour.Keys.Where(k => string.CompareOrdinal(k, oldest) < 0).ToList())
        {
            s.ProcessedByHour.Remove(key);
        }
    }

    /// <summary>Expected inbound returns to move off, newest first, until open work fits the daily capacity again.</summary>
    public static IReadOnlyList<string> PlanRebalance(WarehouseState s, int maxReturns)
    {
        var over = OpenUnits(s) - s.DailyCapacityUnits;
        var plan = new List<string>();
        foreach (var (rmaId, t) in s.Rmas.Where(kv => kv.Value.ExpectedUnits > 0 && kv.Value.ReceivedUnits == 0)
                     .OrderByDescending(kv => kv.Value.RoutedAt).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (over <= 0 || plan.Count >= maxReturns)
            {
                break;
            }

            plan.Add(rmaId);
            over -= t.ExpectedUnits;
        }

        return plan;
    }

    public static WarehouseSummary Summary(WarehouseState s, string warehouseId) =>
        new(warehouseId, s.Regions.ToList(), s.Categories.ToList(), s.Grading, s.Refurbishment, s.DailyCapacityUnits, s.CostPerUnit, OpenUnits(s));

    public static WarehouseView View(WarehouseState s, string tenantId, string warehouseId, DateTimeOffset now)
    {
        var open = s.Rmas.Where(kv => kv.Value.ExpectedUnits > 0).ToList();
        var backlog = s.Rmas.Values.Where(t => t.BacklogUnits > 0).ToList();
        var since = HourKey(now.AddHours(-23));
        var summary = Summary(s, warehouseId);
        var figures = new WarehouseFigures(
            open.Sum(kv => kv.Value.ExpectedUnits), open.Count,
            backlog.Sum(t => t.BacklogUnits), backlog.Count, OldestBacklogAge(s, now),
            s.ReceivedUnits, s.InspectedUnits, new SortedDictionary<string, int>(s.FirstPassGrades, StringComparer.Ordinal),
            s.ProcessedUnits, s.ProcessedByHour.Where(kv => string.CompareOrdinal(kv.Key, since) >= 0).Sum(kv => kv.Value),
            summary.CapacityLeft, summary.AcceptingRoutes, s.BacklogLevel);
        return new WarehouseView(tenantId, warehouseId, s.Name, s.Regions.ToList(), s.Categories.ToList(), s.Grading, s.Refurbishment,
            s.DailyCapacityUnits, s.CostPerUnit, figures, s.Events.ToList(),
            open.OrderBy(kv => kv.Value.RoutedAt).Take(MaxListedInbound).Select(kv => kv.Key).ToList());
    }

    private static string HourKey(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH", CultureInfo.InvariantCulture);
}
