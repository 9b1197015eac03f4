using System.Globalization;
using ReturnsActors.Grains.Rma.Events;
using ReturnsActors.Grains.Rma;
using ReturnsActors.Grains.Tasks;

namespace ReturnsActors.Grains.Kpis;

/// <summary>The one computation of the KPIs, for every profile: the read-model rows and event-log events go in,
/// the report comes out. Definitions (all times UTC, the range is <c>[from, to)</c>):
/// <list type="bullet">
/// <item>Cycle time: hours from <c>return.requested</c> to the return's first resolution event (refund, credit,
/// replacement, or resolved without return) for returns resolved in the range, per channel; median and p90 are
/// nearest-rank (always an observed value).</item>
/// <item>Refund SLA adherence: of <c>settlement.refund_issued</c> events in the range that follow a disposition,
/// the share issued within the refund hours of the policy version the event names (the refund clock starts at
/// disposition, as the return's own deadline does).</item>
/// <item>First-pass inspection accuracy: of lines dispositioned in the range, the share not sent to
/// <c>QualityReview</c> whose return raised no receipt exception (wrong item, serial mismatch).</item>
/// <item>Exceptions: tasks raised in the range other than routine reviews, by the return's warehouse, by the
/// product families (order-line categories) of the return, and by kind.</item>
/// <item>Aging: open returns (not resolved, closed, declined, cancelled or expired) by whole days since they were
/// requested, at <c>asOf</c>; backlog: open returns per warehouse.</item>
/// <item>SLA breaches: <c>sla.breached</c> events in the range per day or per week (weeks start on Monday).</item>
/// <item>Advisory: <c>recommendation.issued</c> events in the range (and those auto-applied), <c>recommendation.overridden</c>
/// events in the range; override rate = overridden ÷ issued (capped at 1, null when nothing was issued), agreement rate =
/// 1 − override rate.</item>
/// </list></summary>
public static class KpiCalculator
{
    public const string GroupByDay = "day";
    public const string GroupByWeek = "week";
    public const string NoWarehouse = "(none)";
    public const string UnknownFamily = "(unknown)";

    /// <summary>The event types the KPIs read; one query fetches them all.</summary>
    public static readonly IReadOnlyList<string> EventTypes =
    [
        ReturnRequested.WireName, ItemDispositioned.WireName, TaskCreated.WireName, SlaBreached.WireName,
        RefundIssued.WireName, CreditIssued.WireName, ReplacementCreated.WireName, ReturnResolvedWithoutReturn.WireName,
        RecommendationIssued.WireName, RecommendationOverridden.WireName,
    ];

    public static readonly IReadOnlyList<string> AgingBuckets = ["0-2d", "3-7d", "8-14d", "15-30d", ">30d"];

    private static readonly HashSet<string> _resolutions =
        [RefundIssued.WireName, CreditIssued.WireName, ReplacementCreated.WireName, ReturnResolvedWithoutReturn.WireName];
    private static readonly HashSet<string> _receiptExceptions = [TaskQueues.KindWrongItem, TaskQueues.KindSerialMismatch];

    /// <summary>Whether a return is still being worked on.</summary>
    public static bool IsOpen(RmaStatus status) => RmaOpenness.IsOpen(status);

    /// <summary>The report of <paramref name="tenantId"/> over [<paramref name="from"/>, <paramref name="to"/>); series per
    /// <paramref name="groupBy"/> (day or week), aging at <paramref name="asOf"/>, from the tenant's read-model
    /// <paramref name="rows"/> and log <paramref name="events"/>; <paramref name="refundHours"/> gives the refund hours
    /// of a policy version (0 is the built-in default).</summary>
    public static KpiReport Compute(string tenantId, DateTimeOffset from, DateTimeOffset to, string groupBy, DateTimeOffset asOf,
        IReadOnlyList<RmaSummary> rows, IReadOnlyList<KpiEvent> events, Func<int, int> refundHours)
    {
        bool InRange(DateTimeOffset t) => t >= from && t < to;
        var rowById = rows.ToDictionary(r => r.RmaId, StringComparer.Ordinal);
        var byRma = events.OrderBy(e => e.OccurredAt).GroupBy(e => e.RmaId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var requested = byRma.Values.Select(l => l.FirstOrDefault(e => e.Type == ReturnRequested.WireName)).OfType<KpiEvent>()
            .ToDictionary(e => e.RmaId, e => (e.OccurredAt, Data: Data<ReturnRequested>(e)), StringComparer.Ordinal);

        // Cycle time.
        var cycles = new List<(string Channel, double Hours)>();
        foreach (var (rmaId, list) in byRma)
        {
            var resolved = list.FirstOrDefault(e => _resolutions.Contains(e.Type));
            if (resolved is not null && InRange(resolved.OccurredAt) && requested.TryGetValue(rmaId, out var req))
            {
                var channel = rowById.TryGetValue(rmaId, out var row) ? row.Channel : req.Data?.Channel ?? "(unknown)";
                cycles.Add((channel, (resolved.OccurredAt - req.OccurredAt).TotalHours));
            }
        }

        var cycleTime = cycles.GroupBy(c => c.Channel, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var sorted = g.Select(c => c.Hours).Order().ToList();
                return new CycleTimeByChannel(g.Key, sorted.Count, Round(NearestRank(sorted, 0.5)), Round(NearestRank(sorted, 0.9)));
            }).ToList();

        // Refund SLA adherence.
        int refunds = 0, within = 0;
        foreach (var refund in events.Where(e => e.Type == RefundIssued.WireName && InRange(e.OccurredAt)))
        {
            var dispositioned = byRma[refund.RmaId].LastOrDefault(e => e.Type == ItemDispositioned.WireName && e.OccurredAt <= refund.OccurredAt);
            if (dispositioned is null)
            {
                continue;
            }

            refunds++;
            if (refund.OccurredAt - dispositioned.OccurredAt <= TimeSpan.FromHours(refundHours(refund.PolicyVersion)))
            {
                within++;
            }
        }

        // First-pass inspection.
        var tasks = events.Where(e => e.Type == TaskCreated.WireName).Select(e => (Event: e, Kind: Data<TaskCreated>(e)?.Kind ?? "")).ToList();
        var withReceiptException = tasks.Where(t => _receiptExceptions.Contains(t.Kind)).Select(t => t.Event.RmaId).ToHashSet(StringComparer.Ordinal);
        int lines = 0, firstPass = 0;
        foreach (var line in events.Where(e => e.Type == ItemDispositioned.WireName && InRange(e.OccurredAt)))
        {
            lines++;
            if (Data<ItemDispositioned>(line)?.Disposition != Disposition.QualityReview && !withReceiptException.Contains(line.RmaId))
            {
                firstPass++;
            }
        }

        // Exceptions.
        var exceptions = tasks.Where(t => t.Kind != TaskQueues.KindReview && InRange(t.Event.OccurredAt)).ToList();
        var byWarehouse = Count(exceptions.Select(t => rowById.TryGetValue(t.Event.RmaId, out var r) ? r.Warehouse ?? NoWarehouse : NoWarehouse));
        var byFamily = Count(exceptions.SelectMany(t => Families(requested, t.Event.RmaId)));
        var byKind = Count(exceptions.Select(t => t.Kind));

        // Aging and backlog (now).
        var open = rows.Where(r => IsOpen(r.Status)).ToList();
        var aging = AgingBuckets.Select(b => new AgingBucket(b, 0)).ToList();
        foreach (var row in open)
        {
            var days = (int)Math.Floor((asOf - row.CreatedAt).TotalDays);
            var i = days <= 2 ? 0 : days <= 7 ? 1 : days <= 14 ? 2 : days <= 30 ? 3 : 4;
            aging[i] = aging[i] with { Count = aging[i].Count + 1 };
        }

        var backlog = Count(open.Select(r => r.Warehouse ?? NoWarehouse));

        // SLA breaches over time, every period present.
        var breaches = events.Where(e => e.Type == SlaBreached.WireName && InRange(e.OccurredAt)).ToList();
        var series = new List<PeriodCount>();
        for (var start = PeriodStart(from, groupBy); start < to; start = groupBy == GroupByWeek ? start.AddDays(7) : start.AddDays(1))
        {
            var end = groupBy == GroupByWeek ? start.AddDays(7) : start.AddDays(1);
            series.Add(new PeriodCount(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), breaches.Count(b => b.OccurredAt >= start && b.OccurredAt < end)));
        }

        // Advisory governance.
        var issued = events.Where(e => e.Type == RecommendationIssued.WireName && InRange(e.OccurredAt)).ToList();
        var autoApplied = issued.Count(e => Data<RecommendationIssued>(e)?.Mode == AdvisoryActions.ModeName(RecommendationMode.AutoApplied));
        var overridden = events.Count(e => e.Type == RecommendationOverridden.WireName && InRange(e.OccurredAt));
        var overrideRate = issued.Count == 0 ? (double?)null : Math.Round(Math.Min(1.0, (double)overridden / issued.Count), 4);
        var advisory = new AdvisoryKpis(issued.Count, autoApplied, overridden, overrideRate,
            overrideRate is { } rate ? Math.Round(1 - rate, 4) : null);

        var tiles = new KpiTiles(rows.Count(r => InRange(r.CreatedAt)), open.Count, open.Count(r => r.SlaState == RmaSlaState.Breached), breaches.Count, exceptions.Count);
        return new KpiReport(tenantId, from, to, groupBy, asOf, tiles, cycleTime,
            new RefundSlaAdherence(refunds, within, Ratio(within, refunds)),
            new FirstPassInspection(lines, firstPass, Ratio(firstPass, lines)),
            SupplierRecovery.None,
            new ExceptionBreakdown(exceptions.Count, byWarehouse, byFamily, byKind),
            aging, backlog, series, advisory);
    }

    /// <summary>Nearest-rank percentile: the smallest value with at least <paramref name="q"/> of the values at or below it.</summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static DateTimeOffset PeriodStart(DateTimeOffset t, string groupBy)
    {
        var day = new DateTimeOffset(t.UtcDateTime.Date, TimeSpan.Zero);
        return groupBy == GroupByWeek ? day.AddDays(-(((int)day.DayOfWeek + 6) % 7)) : day;
    }

    private static IEnumerable<string> Families(Dictionary<string, (DateTimeOffset, ReturnRequested? Data)> requested, string rmaId)
    {
        if (!requested.TryGetValue(rmaId, out var req) || req.Data?.Lines is not { } lines)
        {
            return [UnknownFamily];
        }

        var families = lines.Select(l => l.Category).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return families.Count == 0 ? [UnknownFamily] : families;
    }

    private static List<KeyCount> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k, StringComparer.Ordinal).Select(g => new KeyCount(g.Key, g.Count()))
            .OrderByDescending(k => k.Count).ThenBy(k => k.Key, StringComparer.Ordinal).ToList();

    private static T? Data<T>(KpiEvent e) where T : class, IRmaEventData => RmaEventCatalog.Deserialize(e.Type, e.DataJson) as T;

    private static double? Ratio(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private static double Round(double hours) => Math.Round(hours, 2);
}
