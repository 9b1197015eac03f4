namespace ReturnsActors.Advisory;

/// <summary>
/// Post-hoc calibration of a multiclass model by temperature scaling (Guo et al., 2017): the class probabilities are
/// turned back into log-scores, divided by one scalar T and put through a softmax again. T &gt; 1 softens over-confident
/// models, T &lt; 1 sharpens under-confident ones; the order of the classes, and so the predicted class, never changes.
/// T is fitted on a calibration slice that neither trained the model nor belongs to the hold-out, by minimising its
/// log-loss (convex in 1/T, so a golden-section search finds the minimum).
/// </summary>
public static class TemperatureScaling
{
    /// <summary>How the temperatures are fitted, as named in a model manifest.</summary>
    public const string Method = "temperature scaling of the triage: one T, minimum log-loss on the last 20 % of its training phrases; the advisor is not rescaled";

    /// <summary>Share of the training rows kept back to fit the temperature (the model trains on the rest).</summary>
    public const double CalibrationFraction = 0.2;

    public const double MinTemperature = 0.05;
    public const double MaxTemperature = 20;

    // Zero probabilities (LightGBM can round to 0) would give -infinity log-scores.
    private const double Floor = 1e-12;

    /// <summary>The temperature (rounded to 4 decimals, the value the model then applies) that minimises the log-loss
    /// of <paramref name="results"/>; 1 when there is nothing to fit on.</summary>
    public static double Fit(IReadOnlyList<(int Truth, double[] Probabilities)> results)
    {
        if (results.Count == 0)
        {
            return 1;
        }

        var logScores = results.Select(r => (r.Truth, Scores: r.Probabilities.Select(p => Math.Log(Math.Max(p, Floor))).ToArray())).ToList();
        double LogLoss(double logInverse)
        {
            var inverse = Math.Exp(logInverse);
            var total = 0.0;
            foreach (var (truth, scores) in logScores)
            {
                var max = scores.Max() * inverse;
                var sum = scores.Sum(s => Math.Exp(s * inverse - max));
                total += max + Math.Log(sum) - scores[truth] * inverse;
            }

            return total;
        }

        // Golden-section search over ln(1/T); the loss is unimodal there because it is convex in 1/T.
        var golden = (Math.Sqrt(5) - 1) / 2;
        double low = -Math.Log(MaxTemperature), high = -Math.Log(MinTemperature);
        double a = high - golden * (high - low), b = low + golden * (high - low);
        double fa = LogLoss(a), fb = LogLoss(b);
        for (var i = 0; i < 100 && high - low > 1e-7; i++)
        {
            if (fa <= fb)
            {
                high = b;
                (b, fb) = (a, fa);
                a = high - golden * (high - low);
                fa = LogLoss(a);
            }
            else
            {
                low = a;
                (a, fa) = (b, fb);
                b = low + golden * (high - low);
                fb = LogLoss(b);
            }
        }

        return Math.Round(Math.Clamp(1 / Math.Exp((low + high) / 2), MinTemperature, MaxTemperature), 4);
    }

    /// <summary>The probabilities at temperature <paramref name="temperature"/>; at 1 the input itself.</summary>
    public static double[] Apply(double[] probabilities, double temperature)
    {
        if (temperature == 1)
        {
            return probabilities;
        }

        var scores = probabilities.Select(p => Math.Log(Math.Max(p, Floor)) / temperature).ToArray();
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    /// <summary>Index of the largest value (the first on a tie).</summary>
    public static int ArgMax(IReadOnlyList<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
