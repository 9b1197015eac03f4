using ReturnsActors.LoadTests.Config;
using ReturnsActors.LoadTests.Harness;

namespace ReturnsActors.LoadTests.Tests;

public sealed class ThresholdTests
{
    private static StatsSnapshot Stats(int ok, int fail, double latencyMs, double seconds = 1)
    {
        var collector = new StatsCollector("s", null);
        for (var i = 0; i < ok; i++)
        {
            collector.Record(StepResult.Ok(), (long)(latencyMs * 1000));
        }

        for (var i = 0; i < fail; i++)
        {
            collector.Record(StepResult.Fail("500"), 1);
        }

        return collector.Snapshot(seconds);
    }

    [Theory]
    [InlineData("p99_ms < 500", 100, true)]
    [InlineData("p99_ms < 500", 600, false)]
    [InlineData("max_ms <= 100", 100, true)]
    [InlineData("rps > 50", 100, true)]
    [InlineData("rps >= 101", 100, false)]
    [InlineData("fail_rate < 0.01", 100, true)]
    public void Evaluate_ComparesTheMetricWithTheLimit(string expression, double latencyMs, bool passes)
    {
        var threshold = Threshold.Parse("s", null, expression);

        Assert.Equal(passes, threshold.Evaluate(Stats(100, 0, latencyMs)).Passed);
    }

    [Fact]
    public void FailRate_CountsFailuresOverAllRequests()
    {
        var result = Threshold.Parse("s", null, "fail_rate < 0.01").Evaluate(Stats(98, 2, 1));

        Assert.False(result.Passed);
        Assert.Equal(0.02, result.Actual);
    }

    [Fact]
    public void Latency_WithoutData_FailsWithANote()
    {
        var result = Threshold.Parse("s", null, "p99_ms < 500").Evaluate(Stats(0, 3, 1));

        Assert.False(result.Passed);
        Assert.Equal("no data", result.Note);
    }

    [Theory]
    [InlineData("p99 < 500")]
    [InlineData("p99_ms << 500")]
    [InlineData("p99_ms < fast")]
    [InlineData("")]
    public void Parse_RejectsMalformedExpressions(string expression) =>
        Assert.Throws<FormatException>(() => Threshold.Parse("s", null, expression));

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("00:00:03", 3_000)]
    public void Duration_ParsesUnitsAndTimeSpans(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Duration.Parse(text));
}
