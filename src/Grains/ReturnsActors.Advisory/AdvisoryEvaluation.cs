using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReturnsActors.Advisory;

/// <summary>Precision, recall and F1 of one class on the hold-out set.</summary>
public sealed record ClassMetrics(string Class, int Support, double Precision, double Recall, double F1);

/// <summary>Hold-out rows whose confidence falls in [Lower, Upper): how often the model was right.</summary>
public sealed record CalibrationBucket(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);

/// <summary>Metrics of one multiclass model on its hold-out set. Confidences are the calibrated ones (at
/// <paramref name="Temperature"/>); <paramref name="UncalibratedExpectedCalibrationError"/> is the ECE of the same model's raw
/// probabilities (null in evaluations made before calibration).</summary>
public sealed record ModelMetrics(
    int TrainRows,
    int TestRows,
    double Accuracy,
    double MacroF1,
    IReadOnlyList<ClassMetrics> PerClass,
    IReadOnlyList<CalibrationBucket> Calibration,
    double ExpectedCalibrationError,
    double Temperature = 1,
    double? UncalibratedExpectedCalibrationError = null);

/// <summary>What <see cref="AdvisoryEvaluation.Evaluate"/> reports, also written as JSON for the operations page.</summary>
public sealed record AdvisoryReport(
    int Seed,
    string ModelVersion,
    string Trainer,
    string DataGenerator,
    ModelMetrics Recommendation,
    ModelMetrics Triage);

/// <summary>The synthetic rows of one seed, split into the rows the models train on, the hold-out, and for the triage a
/// calibration slice (the end of its training share, kept back to fit its temperature).</summary>
public sealed record DataSplit(
    IReadOnlyList<LabeledReturn> Train, IReadOnlyList<LabeledReturn> Test, IReadOnlyList<LabeledPhrase> TrainPhrases, IReadOnlyList<LabeledPhrase> TestPhrases)
{
    public IReadOnlyList<LabeledPhrase> CalibrationPhrases { get; init; } = [];
}

/// <summary>Trains both models on synthetic data for a seed and scores them on a hold-out (the last
/// 20 % of the generated rows, never seen in training). Reproducible: same seed, same numbers.</summary>
public static class AdvisoryEvaluation
{
    public const int DefaultReturns = 5000;
    public const int DefaultPhrases = 1500;
    public const double HoldOutFraction = 0.2;
    private static readonly double[] BucketEdges = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0000001];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Trains both models for this seed and scores them on the hold-out (<see cref="AdvisoryArtifact.Train"/>).</summary>
    public static AdvisoryReport Evaluate(int seed, int returns = DefaultReturns, int phrases = DefaultPhrases) =>
        AdvisoryArtifact.Train(seed, returns, phrases).Evaluate();

    /// <summary>The documented split: of the rows generated for a seed, the first 80 % are for training and the last 20 % are
    /// the hold-out; the last <paramref name="calibrationFraction"/> of the phrases' training share is the triage's calibration slice.</summary>
    public static DataSplit Split(int seed, int returns, int phrases, double calibrationFraction = TemperatureScaling.CalibrationFraction)
    {
        var (train, _, test) = Cut(SyntheticReturns.Generate(seed, returns), 0);
        var (trainPhrases, calibrationPhrases, testPhrases) = Cut(SyntheticReasonPhrases.Generate(seed, phrases), calibrationFraction);
        return new DataSplit(train, test, trainPhrases, testPhrases) { CalibrationPhrases = calibrationPhrases };
    }

    private static (T[] Train, T[] Calibration, T[] Test) Cut<T>(IReadOnlyList<T> rows, double calibrationFraction)
    {
        var testCut = (int)(rows.Count * (1 - HoldOutFraction));
        var calibrationCut = testCut - (int)(testCut * calibrationFraction);
        return ([.. rows.Take(calibrationCut)], [.. rows.Take(testCut).Skip(calibrationCut)], [.. rows.Skip(testCut)]);
    }

    /// <summary>Hold-out metrics of an advisor (uncalibrated) and a triage (at its temperature).</summary>
    public static (ModelMetrics Recommendation, ModelMetrics Triage) Score(ReturnAdvisor advisor, ReasonTriage triage, DataSplit split)
    {
        var recommendation = Score(
            split.Train.Count,
            [.. split.Test.Select(r => ((int)r.Action, advisor.Probabilities(r.Features)))],
            [.. Enum.GetValues<AdvisoryAction>().Select(AdvisoryNames.Of)],
            temperature: 1);
        var triageMetrics = Score(
            split.TrainPhrases.Count,
            [.. split.TestPhrases.Select(p => ((int)p.Class, triage.RawProbabilities(p.Text)))],
            [.. Enum.GetValues<TriageClass>().Select(ReasonTriage.Name)],
            triage.Temperature);
        return (recommendation, triageMetrics);
    }

    /// <summary>Metrics of raw probabilities calibrated at <paramref name="temperature"/>, with the raw ones' ECE beside.</summary>
    public static ModelMetrics Score(int trainRows, IReadOnlyList<(int Truth, double[] Probabilities)> raw, IReadOnlyList<string> classNames, double temperature)
    {
        var uncalibrated = Score(trainRows, raw, classNames);
        var calibrated = temperature == 1
            ? uncalibrated
            : Score(trainRows, [.. raw.Select(r => (r.Truth, TemperatureScaling.Apply(r.Probabilities, temperature)))], classNames);
        return calibrated with { Temperature = temperature, UncalibratedExpectedCalibrationError = uncalibrated.ExpectedCalibrationError };
    }

    public static void WriteJson(AdvisoryReport report, string path) => File.WriteAllText(path, ToJson(report));

    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T? FromJson<T>(string json) => JsonSerializer.Deserialize<T>(json, Json);

    /// <summary>Accuracy, macro-F1, per-class metrics and calibration from (true class, probabilities) pairs.</summary>
    public static ModelMetrics Score(int trainRows, IReadOnlyList<(int Truth, double[] Probabilities)> results, IReadOnlyList<string> classNames)
    {
        var k = classNames.Count;
        var truePositive = new int[k];
        var predicted = new int[k];
        var actual = new int[k];
        var bucketCount = new int[BucketEdges.Length - 1];
        var bucketConfidence = new double[bucketCount.Length];
        var bucketCorrect = new int[bucketCount.Length];
        var correct = 0;
        foreach (var (truth, probabilities) in results)
        {
            var guess = TemperatureScaling.ArgMax(probabilities);
            var hit = guess == truth;
            correct += hit ? 1 : 0;
            actual[truth]++;
            predicted[guess]++;
            truePositive[guess] += hit ? 1 : 0;
            var bucket = Array.FindLastIndex(BucketEdges, edge => edge <= probabilities[guess]);
            bucket = Math.Clamp(bucket, 0, bucketCount.Length - 1);
            bucketCount[bucket]++;
            bucketConfidence[bucket] += probabilities[guess];
            bucketCorrect[bucket] += hit ? 1 : 0;
        }

        var perClass = new List<ClassMetrics>(k);
        for (var i = 0; i < k; i++)
        {
            var precision = predicted[i] == 0 ? 0 : (double)truePositive[i] / predicted[i];
            var recall = actual[i] == 0 ? 0 : (double)truePositive[i] / actual[i];
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(classNames[i], actual[i], Round(precision), Round(recall), Round(f1)));
        }

        var n = results.Count;
        var calibration = new List<CalibrationBucket>();
        var ece = 0.0;
        for (var b = 0; b < bucketCount.Length; b++)
        {
            var meanConfidence = bucketCount[b] == 0 ? 0 : bucketConfidence[b] / bucketCount[b];
            var accuracy = bucketCount[b] == 0 ? 0 : (double)bucketCorrect[b] / bucketCount[b];
            ece += n == 0 ? 0 : (double)bucketCount[b] / n * Math.Abs(accuracy - meanConfidence);
            calibration.Add(new CalibrationBucket(BucketEdges[b], Math.Min(1.0, BucketEdges[b + 1]), bucketCount[b], Round(meanConfidence), Round(accuracy)));
        }

        // Macro-F1 over classes present in the hold-out, so an absent class does not count as a zero.
        var present = perClass.Where(c => c.Support > 0).ToList();
        var macroF1 = present.Count == 0 ? 0 : present.Average(c => c.F1);
        return new ModelMetrics(trainRows, n, Round(n == 0 ? 0 : (double)correct / n), Round(macroF1), perClass, calibration, Round(ece));
    }

    private static double Round(double value) => Math.Round(value, 4);
}
