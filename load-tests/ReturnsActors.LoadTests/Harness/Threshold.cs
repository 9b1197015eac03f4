using System.Globalization;
using System.Text.RegularExpressions;

namespace ReturnsActors.LoadTests.Harness;

/// <summary>
/// A pass/fail rule on a scenario's or step's statistics, such as <c>p99_ms &lt; 500</c>.
/// Checked every second while running (when <see cref="AbortOnFail"/> is set) and once at the end.
/// </summary>
public sealed partial record Threshold
{
    /// <summary>Metric names usable on the left-hand side of an expression.</summary>
    public static readonly IReadOnlyList<string> Metrics =
    [
        "requests", "ok", "fail", "dropped", "fail_rate", "rps", "ok_rps", "bytes",
        "min_ms", "mean_ms", "p50_ms", "p75_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms",
    ];

    private Threshold(string scenario, string? step, string expression, string metric, string op, double limit)
    {
        Scenario = scenario;
        Step = step;
        Expression = expression;
        Metric = metric;
        Operator = op;
        Limit = limit;
    }

    public string Scenario { get; }

    public string? Step { get; }

    public string Expression { get; }

    public string Metric { get; }

    public string Operator { get; }

    public double Limit { get; }

    /// <summary>Stop the whole run as soon as this threshold fails during the run.</summary>
    public bool AbortOnFail { get; init; }

    /// <summary>Measured time to wait before checking while running, so early noise cannot abort.</summary>
    public TimeSpan StartCheckAfter { get; init; }

    public string Target => Step is null ? Scenario : $"{Scenario}/{Step}";

    /// <exception cref="FormatException">The expression is not <c>metric op number</c> with a known metric.</exception>
    public static Threshold Parse(string scenario, string? step, string expression)
    {
        var match = ExpressionPattern().Match(expression);
        if (!match.Success)
        {
            throw new FormatException($"Threshold '{expression}' is not of the form 'metric op number', e.g. 'p99_ms < 500'.");
        }

        var metric = match.Groups["metric"].Value.ToLowerInvariant();
        if (!Metrics.Contains(metric))
        {
            throw new FormatException($"Threshold '{expression}': unknown metric '{metric}'. Known: {string.Join(", ", Metrics)}.");
        }

        var limit = double.Parse(match.Groups["limit"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new Threshold(scenario, string.IsNullOrEmpty(step) ? null : step, expression.Trim(), metric, match.Groups["op"].Value, limit);
    }

    /// <summary>The metric's value, or null when there is no data for it (e.g. no successful request yet).</summary>
    public double? ValueOf(StatsSnapshot stats) => Metric switch
    {
        "requests" => stats.Requests,
        "ok" => stats.Ok,
        "fail" => stats.Fail,
        "dropped" => stats.Dropped,
        "fail_rate" => stats.Requests == 0 ? null : stats.FailRate,
        "rps" => stats.Rps,
        "ok_rps" => stats.OkRps,
        "bytes" => stats.Bytes,
        "min_ms" => stats.Latency?.MinMs,
        "mean_ms" => stats.Latency?.MeanMs,
        "p50_ms" => stats.Latency?.P50Ms,
        "p75_ms" => stats.Latency?.P75Ms,
        "p95_ms" => stats.Latency?.P95Ms,
        "p99_ms" => stats.Latency?.P99Ms,
        "p999_ms" => stats.Latency?.P999Ms,
        "max_ms" => stats.Latency?.MaxMs,
        _ => null,
    };

    public ThresholdResult Evaluate(StatsSnapshot stats)
    {
        var value = ValueOf(stats);
        if (value is not { } actual)
        {
            return new ThresholdResult(this, false, null, "no data");
        }

        var passed = Operator switch
        {
            "<" => actual < Limit,
            "<=" => actual <= Limit,
            ">" => actual > Limit,
            ">=" => actual >= Limit,
            "==" => actual == Limit,
            "!=" => actual != Limit,
            _ => false,
        };
        return new ThresholdResult(this, passed, actual, null);
    }

    public override string ToString() => $"{Target}: {Expression}";

    [GeneratedRegex(@"^\s*(?<metric>[A-Za-z0-9_]+)\s*(?<op><=|>=|==|!=|<|>)\s*(?<limit>[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$")]
    private static partial Regex ExpressionPattern();
}

/// <summary>
/// The outcome of checking a <see cref="Threshold"/>; <c>Note</c> says why there is no value,
/// or that this threshold aborted the run.
/// </summary>
public sealed record ThresholdResult(Threshold Threshold, bool Passed, double? Actual, string? Note);
