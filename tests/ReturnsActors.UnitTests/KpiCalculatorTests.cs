using ReturnsActors.Grains.Kpis;
using ReturnsActors.TestData;

namespace ReturnsActors.UnitTests;

public sealed class KpiCalculatorTests
{
    private static readonly DateTimeOffset _t0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static KpiReport Compute(string groupBy = KpiCalculator.GroupByDay, Func<int, int>? refundHours = null) =>
        KpiCalculator.Compute("shop", _t0, _t0.AddDays(7), groupBy, _t0.AddDays(10.5),
            KpiDataset.Rows.Select(r => KpiDataset.Summary(r, _t0)).ToList(),
            KpiDataset.Events.Select(e => KpiDataset.KpiEvent(e, _t0)).ToList(),
            refundHours ?? (_ => 72));

    [Fact]
    public void Kpis_OfAKnownSetOfReturns_EqualTheHandComputedFigures() =>
        KpiDataset.AssertHandComputed(Compute(), _t0);

    [Fact]
    public void SlaBreaches_ByWeek_StartOnMonday()
    {
        // 2026-11-01 is a Sunday: its week starts on 2026-10-26; the three breaches in range fall in the next week.
        Assert.Equal([new PeriodCount("2026-10-26", 0), new PeriodCount("2026-11-02", 3)], Compute(KpiCalculator.GroupByWeek).SlaBreaches);
    }

    [Fact]
    public void RefundSla_UsesTheRefundHoursOfThePolicyVersionOnTheEvent()
    {
        // With 100 refund hours, R2 (96 h) and R4 (84 h) are within too.
        Assert.Equal(new RefundSlaAdherence(3, 3, 1), Compute(refundHours: _ => 100).RefundSla);
    }

    [Fact]
    public void ALineTheMachineSendsToQualityReview_IsNotFirstPass()
    {
        // The events as the state machine writes them (snake_case disposition), not hand-written ones.
        var state = Fixtures.Received(Fixtures.Headphones(Grains.Rma.ReasonClass.Defect));
        Fixtures.Ok(state, new Grains.Rma.RecordInspection("i1", "inspector:i", [new Grains.Rma.InspectedLine("L1", Grains.Rma.ItemGrade.D)]));
        Fixtures.Ok(state, new Grains.Rma.DispositionRma("d1", "inspector:i"));
        Assert.Contains(state.Events, e => e.DataJson.Contains("\"disposition\":\"quality_review\"", StringComparison.Ordinal));

        var report = KpiCalculator.Compute("demo", Fixtures.T0.AddDays(-1), Fixtures.T0.AddDays(1), KpiCalculator.GroupByDay, Fixtures.T0, [],
            state.Events.Select(e => new KpiEvent("RMA-1", e.Type, e.OccurredAt, e.PolicyVersion, e.DataJson)).ToList(), _ => 72);

        Assert.Equal(new FirstPassInspection(1, 0, 0), report.FirstPassInspection);
    }

    [Fact]
    public void NearestRank_IsAnObservedValue()
    {
        Assert.Equal(2, KpiCalculator.NearestRank([1, 2, 3, 4], 0.5));
        Assert.Equal(4, KpiCalculator.NearestRank([1, 2, 3, 4], 0.9));
        Assert.Equal(0, KpiCalculator.NearestRank([], 0.5));
    }
}
