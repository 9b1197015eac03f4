using HdrHistogram;

namespace ReturnsActors.LoadTests.Harness;

/// <summary>
/// Thread-safe accumulator for one scenario or step. Latencies of successful requests go into an
/// HdrHistogram in microseconds; a second histogram holds the current one-second interval.
/// </summary>
public sealed class StatsCollector
{
    /// <summary>One hour, in microseconds: anything longer is clamped.</summary>
    public const long HighestTrackableMicroseconds = 3_600_000_000;

    private const int MaxDistinctErrors = 20;

    private readonly Lock _gate = new();
    private readonly LongHistogram _total = NewHistogram();
    private readonly LongHistogram _interval = NewHistogram();
    private readonly Dictionary<string, long> _statusCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<TimePoint> _series = [];
    private long _ok;
    private long _fail;
    private long _dropped;
    private long _bytes;
    private long _sumMicroseconds;
    private long _minMicroseconds = long.MaxValue;
    private long _maxMicroseconds;
    private long _intervalOk;
    private long _intervalFail;

    public StatsCollector(string scenario, string? step)
    {
        Scenario = scenario;
        Step = step;
    }

    public string Scenario { get; }

    public string? Step { get; }

    /// <summary>Records one request. Only successful requests contribute to latency.</summary>
    public void Record(StepResult result, long latencyMicroseconds)
    {
        var clamped = Math.Clamp(latencyMicroseconds, 1, HighestTrackableMicroseconds);
        lock (_gate)
        {
            _bytes += result.SizeBytes;
            if (result.StatusCode is { } status)
            {
                _statusCodes[status] = _statusCodes.GetValueOrDefault(status) + 1;
            }

            if (result.IsOk)
            {
                _ok++;
                _intervalOk++;
                _total.RecordValue(clamped);
                _interval.RecordValue(clamped);
                _sumMicroseconds += clamped;
                _minMicroseconds = Math.Min(_minMicroseconds, clamped);
                _maxMicroseconds = Math.Max(_maxMicroseconds, clamped);
                return;
            }

            _fail++;
            _intervalFail++;
            if (result.StatusCode == StepResult.DroppedStatus)
            {
                _dropped++;
            }

            if (result.Message is { } message && (_errors.ContainsKey(message) || _errors.Count < MaxDistinctErrors))
            {
                _errors[message] = _errors.GetValueOrDefault(message) + 1;
            }
        }
    }

    /// <summary>Closes the current interval and appends it to the time series.</summary>
    /// <param name="second">Seconds since measuring started, at the end of the interval.</param>
    /// <param name="intervalSeconds">Length of the interval, used for its rate.</param>
    public TimePoint CloseInterval(double second, double intervalSeconds)
    {
        lock (_gate)
        {
            var hasLatency = _interval.TotalCount > 0;
            var point = new TimePoint(
                Math.Round(second, 3),
                intervalSeconds <= 0 ? 0 : (_intervalOk + _intervalFail) / intervalSeconds,
                _intervalOk,
                _intervalFail,
                hasLatency ? ToMs(_interval.GetValueAtPercentile(50)) : null,
                hasLatency ? ToMs(_interval.GetValueAtPercentile(99)) : null);
            _series.Add(point);
            _interval.Reset();
            _intervalOk = 0;
            _intervalFail = 0;
            return point;
        }
    }

    public StatsSnapshot Snapshot(double durationSeconds)
    {
        lock (_gate)
        {
            LatencyStats? latency = null;
            if (_total.TotalCount > 0)
            {
                latency = new LatencyStats(
                    ToMs(_minMicroseconds),
                    (double)_sumMicroseconds / _total.TotalCount / 1000.0,
                    ToMs(_total.GetValueAtPercentile(50)),
                    ToMs(_total.GetValueAtPercentile(75)),
                    ToMs(_total.GetValueAtPercentile(95)),
                    ToMs(_total.GetValueAtPercentile(99)),
                    ToMs(_total.GetValueAtPercentile(99.9)),
                    ToMs(_maxMicroseconds));
            }

            return new StatsSnapshot(
                Scenario,
                Step,
                _ok + _fail,
                _ok,
                _fail,
                _dropped,
                durationSeconds,
                latency,
                _bytes,
                new SortedDictionary<string, long>(_statusCodes, StringComparer.Ordinal),
                new Dictionary<string, long>(_errors, StringComparer.Ordinal),
                [.. _series]);
        }
    }

    private static LongHistogram NewHistogram() => new(1, HighestTrackableMicroseconds, 3);

    // Percentiles come back as the highest value equivalent to the bucket; clamp to the exact max seen.
    private double ToMs(long microseconds) => Math.Min(microseconds, _maxMicroseconds) / 1000.0;
}
