using ReturnsActors.Grains.Kpis;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.TestData;

/// <summary>A known set of returns with hand-computed KPIs, shared by the unit test (the calculator alone) and the
/// Cluster test (rows and events in PostgreSQL, read back through GET /v1/kpis). Times are relative to
/// <c>t0</c>, a UTC midnight; the range is [t0, t0+7d) and aging is read between t0+10d and t0+11d.</summary>
internal static class KpiDataset
{
    public sealed record Row(string RmaId, string Channel, RmaStatus Status, string? Warehouse, RmaSlaState Sla, double CreatedDay, double UpdatedDay);

    public sealed record Event(string RmaId, string Type, double Day, string DataJson);

    public static IReadOnlyList<Row> Rows { get; } =
    [
        new("R1", "web", RmaStatus.Resolved, "WH-A", RmaSlaState.Ok, -1, 2),
        new("R2", "web", RmaStatus.Resolved, "WH-A", RmaSlaState.Ok, 0, 5),
        new("R3", "web", RmaStatus.Resolved, "WH-B", RmaSlaState.Ok, 1, 3),
        new("R4", "marketplace", RmaStatus.Resolved, "WH-B", RmaSlaState.Ok, 1, 5.5),
        new("O1", "web", RmaStatus.Inspecting, "WH-A", RmaSlaState.Breached, 6.5, 6.75),
        new("O2", "web", RmaStatus.Requested, null, RmaSlaState.Ok, 0.5, 1.25),
        new("O3", "web", RmaStatus.AwaitingShipment, null, RmaSlaState.Ok, -30, -20),
        new("O4", "web", RmaStatus.Received, "WH-B", RmaSlaState.Ok, 5, 6.9),
    ];

    public static IReadOnlyList<Event> Events { get; } =
    [
        Requested("R1", -1, "web", "shoes"),
        Disposed("R1", 1, "Restock"),
        new("R1", "settlement.refund_issued", 2, """{"kind":"RefundOriginalPayment"}"""),   // 24 h after disposition: within 72 h
        Requested("R2", 0, "web", "apparel"),
        Disposed("R2", 1, "QualityReview"),
        new("R2", "settlement.refund_issued", 5, """{"kind":"RefundOriginalPayment"}"""),   // 96 h: late
        Requested("R3", 1, "web", "apparel"),
        Task("R3", 2, "wrong_item"),
        Disposed("R3", 2.5, "Restock"),
        new("R3", "settlement.credit_issued", 3, """{"kind":"StoreCredit"}"""),
        Requested("R4", 1, "marketplace", "electronics"),
        Disposed("R4", 2, "Restock"),
        Disposed("R4", 2, "Refurbish"),
        new("R4", "settlement.refund_issued", 5.5, """{"kind":"RefundOriginalPayment"}"""), // 84 h: late
        Requested("O1", 6.5, "web", "shoes"),
        Task("O1", 6.75, "sla_breach"),
        Breach("O1", 6.75),
        Requested("O2", 0.5, "web", "toys"),
        Task("O2", 0.5, "review"),
        Breach("O2", 1.25),
        Requested("O3", -30, "web", "toys"),
        Breach("O3", -20),
        Requested("O4", 5, "web", "garden"),
        Breach("O4", 6.9),
    ];

    public static RmaSummary Summary(Row r, DateTimeOffset t0) => new(r.RmaId, $"ORD-{r.RmaId}", r.Channel, r.Status, false, r.Warehouse,
        [ReasonClass.Convenience], r.Sla, null, null, t0.AddDays(r.CreatedDay), t0.AddDays(r.UpdatedDay), 1);

    public static KpiEvent KpiEvent(Event e, DateTimeOffset t0) => new(e.RmaId, e.Type, t0.AddDays(e.Day), 0, e.DataJson);

    /// <summary>The figures worked out by hand from the rows and events above.</summary>
    public static void AssertHandComputed(KpiReport k, DateTimeOffset t0)
    {
        Assert.Equal(new KpiTiles(ReturnsCreated: 6, OpenReturns: 4, OpenBreached: 1, SlaBreaches: 3, Exceptions: 2), k.Tiles);

        // web: R3 48 h, R1 72 h, R2 120 h -> nearest-rank median 72, p90 120; marketplace: R4 108 h.
        Assert.Equal([new CycleTimeByChannel("marketplace", 1, 108, 108), new CycleTimeByChannel("web", 3, 72, 120)], k.CycleTime);

        // Refunds R1 (24 h, within), R2 (96 h), R4 (84 h) against the default 72 h; R3 got store credit.
        Assert.Equal(new RefundSlaAdherence(3, 1, 0.3333), k.RefundSla);

        // Lines: R1 restock (pass), R2 quality review, R3 after a wrong-item exception, R4 two lines (pass, pass).
        Assert.Equal(new FirstPassInspection(5, 3, 0.6), k.FirstPassInspection);
        Assert.Equal(SupplierRecovery.None, k.SupplierRecovery);

        // Exceptions in range: R3 wrong_item (WH-B, apparel), O1 sla_breach (WH-A, shoes); O2's review is routine.
        Assert.Equal(2, k.Exceptions.Total);
        Assert.Equal([new KeyCount("WH-A", 1), new KeyCount("WH-B", 1)], k.Exceptions.ByWarehouse);
        Assert.Equal([new KeyCount("apparel", 1), new KeyCount("shoes", 1)], k.Exceptions.ByProductFamily);
        Assert.Equal([new KeyCount("sla_breach", 1), new KeyCount("wrong_item", 1)], k.Exceptions.ByKind);

        // Open: O1 ~4 d, O4 ~5.5 d, O2 ~10 d, O3 ~40.5 d old.
        Assert.Equal([new AgingBucket("0-2d", 0), new AgingBucket("3-7d", 2), new AgingBucket("8-14d", 1), new AgingBucket("15-30d", 0), new AgingBucket(">30d", 1)], k.Aging);
        Assert.Equal([new KeyCount("(none)", 2), new KeyCount("WH-A", 1), new KeyCount("WH-B", 1)], k.BacklogByWarehouse);

        // Breaches: O2 on day 1, O1 and O4 on day 6; O3's is before the range.
        var expected = Enumerable.Range(0, 7).Select(d => new PeriodCount(t0.AddDays(d).ToString("yyyy-MM-dd"), d switch { 1 => 1, 6 => 2, _ => 0 }));
        Assert.Equal(expected, k.SlaBreaches);
    }

    private static Event Requested(string rma, double day, string channel, string category) =>
        new(rma, "return.requested", day, $$"""{"orderId":"ORD-{{rma}}","channel":"{{channel}}","lines":[{"lineId":"L1","category":"{{category}}","quantity":1}]}""");

    private static Event Disposed(string rma, double day, string disposition) =>
        new(rma, "item.dispositioned", day, $$"""{"lineId":"L1","grade":"A","disposition":"{{disposition}}"}""");

    private static Event Task(string rma, double day, string kind) =>
        new(rma, "task.created", day, $$"""{"taskId":"T-{{rma}}","queue":"q","kind":"{{kind}}","reason":"r"}""");

    private static Event Breach(string rma, double day) =>
        new(rma, "sla.breached", day, """{"stage":"inspect","dueAt":"2026-01-01T00:00:00Z"}""");
}
