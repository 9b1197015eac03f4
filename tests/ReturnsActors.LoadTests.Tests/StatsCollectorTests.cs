using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Tests;

public sealed class StatsCollectorTests
{
    // HdrHistogram keeps 3 significant digits: percentiles are exact to within 0.1 %.
    private static void AssertClose(double expected, double actual) =>
        Assert.InRange(actual, expected * 0.999, expected * 1.001);

    [Fact]
    public void Latency_OfOneToHundredMilliseconds_MatchesHandComputedPercentiles()
    {
        var stats = new StatsCollector("s", "step");
        for (var ms = 1; ms <= 100; ms++)
        {
            stats.Record(StepResult.Ok("200", 10), ms * 1000);
        }

        var latency = stats.Snapshot(10).Latency!;

        Assert.Equal(1, latency.MinMs);
        Assert.Equal(50.5, latency.MeanMs, 6);
        AssertClose(50, latency.P50Ms);
        AssertClose(75, latency.P75Ms);
        AssertClose(95, latency.P95Ms);
        AssertClose(99, latency.P99Ms);
        AssertClose(100, latency.P999Ms);
        Assert.Equal(100, latency.MaxMs);
    }

    [Fact]
    public void Counts_RateAndBytes_MatchHandComputedValues()
    {
        var stats = new StatsCollector("s", null);
        for (var i = 0; i < 8; i++)
        {
            stats.Record(StepResult.Ok("200", 100), 2_000);
        }

        stats.Record(StepResult.Fail("500", 50), 1_000);
        stats.Record(StepResult.Fail(StepResult.DroppedStatus), 0);

        var snapshot = stats.Snapshot(durationSeconds: 5);

        Assert.Equal(10, snapshot.Requests);
        Assert.Equal(8, snapshot.Ok);
        Assert.Equal(2, snapshot.Fail);
        Assert.Equal(1, snapshot.Dropped);
        Assert.Equal(0.2, snapshot.FailRate, 9);
        Assert.Equal(2.0, snapshot.Rps, 9);
        Assert.Equal(1.6, snapshot.OkRps, 9);
        Assert.Equal(850, snapshot.Bytes);
        Assert.Equal(3, snapshot.StatusCodes.Count);
        Assert.Equal(8, snapshot.StatusCodes["200"]);
        Assert.Equal(1, snapshot.StatusCodes["500"]);
        Assert.Equal(1, snapshot.StatusCodes["dropped"]);
    }

    [Fact]
    public void Latency_IgnoresFailedRequests()
    {
        var stats = new StatsCollector("s", null);
        stats.Record(StepResult.Ok(), 3_000);
        stats.Record(StepResult.Fail("timeout"), 30_000_000);

        var latency = stats.Snapshot(1).Latency!;

        Assert.Equal(3, latency.MaxMs);
        Assert.Equal(3, latency.MeanMs);
    }

    [Fact]
    public void Latency_WithNoSuccessfulRequest_IsAbsent()
    {
        var stats = new StatsCollector("s", null);
        stats.Record(StepResult.Fail("500"), 1_000);

        Assert.Null(stats.Snapshot(1).Latency);
    }

    [Fact]
    public void TimeSeries_HoldsEachIntervalOnItsOwn()
    {
        var stats = new StatsCollector("s", null);
        for (var i = 0; i < 4; i++)
        {
            stats.Record(StepResult.Ok(), 10_000);
        }

        stats.Record(StepResult.Fail("500"), 1_000);
        stats.CloseInterval(second: 1, intervalSeconds: 1);
        stats.Record(StepResult.Ok(), 40_000);
        stats.CloseInterval(second: 1.5, intervalSeconds: 0.5);

        var series = stats.Snapshot(1.5).Series;

        Assert.Equal(2, series.Count);
        Assert.Equal(new TimePoint(1, 5, 4, 1, 10, 10), series[0]);
        Assert.Equal(1.5, series[1].Second);
        Assert.Equal(2, series[1].Rps);
        Assert.Equal(0, series[1].Fail);
        Assert.Equal(40, series[1].P99Ms);
    }

    [Fact]
    public void TimeSeries_IntervalWithoutSuccess_HasNoLatency()
    {
        var stats = new StatsCollector("s", null);
        var point = stats.CloseInterval(1, 1);

        Assert.Equal(0, point.Rps);
        Assert.Null(point.P50Ms);
        Assert.Null(point.P99Ms);
    }
}
