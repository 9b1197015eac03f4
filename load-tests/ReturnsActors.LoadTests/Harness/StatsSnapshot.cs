namespace ReturnsActors.LoadTests.Harness;

/// <summary>Latency of successful requests, in milliseconds.</summary>
public sealed record LatencyStats(
    double MinMs, double MeanMs, double P50Ms, double P75Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs);

/// <summary>
/// One second of a run: throughput, latency and failures seen in that second; <c>Second</c> counts
/// from the start of measuring to the end of the interval.
/// </summary>
public sealed record TimePoint(double Second, double Rps, long Ok, long Fail, double? P50Ms, double? P99Ms);

/// <summary>Statistics of a scenario (<see cref="Step"/> is null) or of one of its steps.</summary>
public sealed record StatsSnapshot(
    string Scenario,
    string? Step,
    long Requests,
    long Ok,
    long Fail,
    long Dropped,
    double DurationSeconds,
    LatencyStats? Latency,
    long Bytes,
    IReadOnlyDictionary<string, long> StatusCodes,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyList<TimePoint> Series)
{
    public double FailRate => Requests == 0 ? 0 : (double)Fail / Requests;

    public double Rps => DurationSeconds <= 0 ? 0 : Requests / DurationSeconds;

    public double OkRps => DurationSeconds <= 0 ? 0 : Ok / DurationSeconds;
}
