using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Transforms.Text;
using ReturnsActors.Grains.Rma;

namespace ReturnsActors.Advisory;

/// <summary>Reason classes free text is sorted into. <see cref="FraudSignal"/> has no <see cref="ReasonClass"/>:
/// it marks a return for a person, not a reason the customer gives.</summary>
public enum TriageClass
{
    Warranty = 0,
    Convenience = 1,
    TransitDamage = 2,
    WrongItem = 3,
    Defect = 4,
    FraudSignal = 5,
}

/// <summary>The triage of one free-text reason.</summary>
/// <param name="Class">The most likely class.</param>
/// <param name="Confidence">Its calibrated probability (0-1).</param>
/// <param name="ReasonClass">The matching return reason class; null for <see cref="TriageClass.FraudSignal"/>.</param>
public sealed record TriageResult(TriageClass Class, double Confidence, ReasonClass? ReasonClass);

/// <summary>A phrase with its class, for training and evaluating the triage.</summary>
public sealed record LabeledPhrase(string Text, TriageClass Class);

/// <summary>
/// Sorts a customer's free-text return reason into a <see cref="TriageClass"/>: ML.NET text featurization
/// (lower-cased word uni/bigrams and character trigrams) and an SDCA maximum-entropy multiclass model.
/// Trained on <see cref="SyntheticReasonPhrases"/>. SDCA's probabilities are too low for how often it is right, so a
/// model trained with a calibration slice rescales them by its <see cref="Temperature"/> (<see cref="TemperatureScaling"/>).
/// Thread-safe.
/// </summary>
public sealed class ReasonTriage
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly DataViewSchema _inputSchema;
    private readonly PredictionEngine<PhraseRow, ActionScores> _engine;
    private readonly Lock _gate = new();

    private ReasonTriage(MLContext ml, ITransformer model, DataViewSchema inputSchema, double temperature = 1)
    {
        _ml = ml;
        _model = model;
        _inputSchema = inputSchema;
        _engine = ml.Model.CreatePredictionEngine<PhraseRow, ActionScores>(model, inputSchema);
        Temperature = temperature;
    }

    /// <summary>Temperature applied to the model's probabilities (1 = uncalibrated).</summary>
    public double Temperature { get; }

    /// <summary>The trainer, as named in a model manifest.</summary>
    public const string TrainerName = "SdcaMaximumEntropy(word 1-2-grams, char 3-grams; 30 iterations)";

    public static ReasonTriage TrainSynthetic(int seed, int count = 1500) => Train(SyntheticReasonPhrases.Generate(seed, count), seed);

    /// <summary>Trains on <paramref name="phrases"/> and fits the <see cref="Temperature"/> on <paramref name="calibration"/>
    /// (phrases the model does not train on).</summary>
    public static ReasonTriage Train(IReadOnlyList<LabeledPhrase> phrases, IReadOnlyList<LabeledPhrase> calibration, int seed)
    {
        var uncalibrated = Train(phrases, seed);
        var temperature = TemperatureScaling.Fit([.. calibration.Select(p => ((int)p.Class, uncalibrated.RawProbabilities(p.Text)))]);
        return uncalibrated.WithTemperature(temperature);
    }

    public static ReasonTriage Train(IReadOnlyList<LabeledPhrase> phrases, int seed)
    {
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(phrases.Select(p => new PhraseRow { Text = p.Text, Label = Name(p.Class) }));
        var classes = ml.Data.LoadFromEnumerable(Enum.GetValues<TriageClass>().Select(c => new LabelKey { Label = Name(c) }));
        var text = new TextFeaturizingEstimator.Options
        {
            CaseMode = TextNormalizingEstimator.CaseMode.Lower,
            KeepPunctuations = false,
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 2, UseAllLengths = true },
            CharFeatureExtractor = new WordBagEstimator.Options { NgramLength = 3, UseAllLengths = false },
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(PhraseRow.Label), keyData: classes)
            .Append(ml.Transforms.Text.FeaturizeText("Features", text, nameof(PhraseRow.Text)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Features", maximumNumberOfIterations: 30));
        var model = pipeline.Fit(data);
        return new ReasonTriage(ml, model, data.Schema);
    }

    /// <summary>Writes the ML.NET model (a zip). The <see cref="Temperature"/> is not in it: the artifact manifest keeps it.</summary>
    public void Save(Stream stream) => _ml.Model.Save(_model, _inputSchema, stream);

    /// <summary>Reads a model written by <see cref="Save"/>, uncalibrated.</summary>
    public static ReasonTriage Load(Stream stream) => Load(stream, 1);

    /// <summary>Reads a model written by <see cref="Save"/> and applies <paramref name="temperature"/> to its probabilities.</summary>
    public static ReasonTriage Load(Stream stream, double temperature)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(stream, out var schema);
        return new ReasonTriage(ml, model, schema, temperature);
    }

    public TriageResult Triage(string text)
    {
        var raw = RawProbabilities(text);
        // The class comes from the raw scores: calibration keeps their order, and a rounding tie must not change it.
        var best = TemperatureScaling.ArgMax(raw);
        var triageClass = (TriageClass)best;
        return new TriageResult(triageClass, Math.Round(TemperatureScaling.Apply(raw, Temperature)[best], 4), ToReasonClass(triageClass));
    }

    /// <summary>The model's probabilities before calibration, indexed by <see cref="TriageClass"/>.</summary>
    public double[] RawProbabilities(string text)
    {
        float[] scores;
        lock (_gate)
        {
            scores = _engine.Predict(new PhraseRow { Text = text ?? "" }).Score;
        }

        return [.. scores.Select(s => (double)s)];
    }

    private ReasonTriage WithTemperature(double temperature) => new(_ml, _model, _inputSchema, temperature);

    public static ReasonClass? ToReasonClass(TriageClass c) => c switch
    {
        TriageClass.Warranty => Grains.Rma.ReasonClass.Warranty,
        TriageClass.Convenience => Grains.Rma.ReasonClass.Convenience,
        TriageClass.TransitDamage => Grains.Rma.ReasonClass.TransitDamage,
        TriageClass.WrongItem => Grains.Rma.ReasonClass.WrongItem,
        TriageClass.Defect => Grains.Rma.ReasonClass.Defect,
        _ => null,
    };

    public static string Name(TriageClass c) => c switch
    {
        TriageClass.TransitDamage => "transit_damage",
        TriageClass.WrongItem => "wrong_item",
        TriageClass.FraudSignal => "fraud_signal",
        _ => c.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}

/// <summary>The triage model's input row.</summary>
public sealed class PhraseRow
{
    public string Text { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>
/// Generates short customer return reasons from hand-written cores per class, wrapped in random
/// openers, item names and closers. Deterministic by seed.
/// </summary>
/// <remarks>
/// Assumptions: customers name the symptom in a few words (warranty claims mention the warranty or a
/// failure after months of use; defects are faults on arrival; transit damage names the parcel or
/// courier; fraud signals are requests to refund elsewhere, empty boxes, threats of chargebacks).
/// Classes are equally likely; 3 % of labels are swapped at random. A hold-out from the same templates
/// measures coverage of these phrasings, not real-world accuracy.
/// </remarks>
public static class SyntheticReasonPhrases
{
    public const double LabelNoise = 0.03;

    private static readonly string[] Items = ["headphones", "blender", "jacket", "phone case", "lamp", "drill", "shoes", "monitor", "kettle", "backpack"];
    private static readonly string[] Openers = ["", "hi, ", "hello, ", "unfortunately ", "sadly ", "so ", "well, "];
    private static readonly string[] Closers = ["", ".", " please help", " - I want my money back", " asap", "!", " thanks"];

    private static readonly Dictionary<TriageClass, string[]> Cores = new()
    {
        [TriageClass.Warranty] = [
            "the {item} stopped working after {n} months, it is still under warranty",
            "warranty claim for my {item}",
            "my {item} failed after {n} months of use, covered by the guarantee",
            "{item} broke down after a year, I have the extended warranty",
            "the {item} is within warranty and no longer turns on after {n} months",
            "claiming the manufacturer warranty, {item} wore out early",
        ],
        [TriageClass.Convenience] = [
            "changed my mind about the {item}",
            "no longer need the {item}",
            "the {item} does not fit",
            "found the {item} cheaper elsewhere",
            "ordered two sizes, returning one",
            "don't like the colour of the {item}",
            "bought the {item} as a gift and they did not want it",
            "the {item} is too big",
        ],
        [TriageClass.TransitDamage] = [
            "the parcel arrived crushed and the {item} is broken",
            "box was smashed by the courier",
            "the {item} was damaged in shipping",
            "package arrived wet and torn, {item} dented",
            "delivery driver dropped the parcel, {item} cracked",
            "the shipping box was crushed, {item} scratched",
        ],
        [TriageClass.WrongItem] = [
            "received the wrong {item}",
            "you sent the wrong size",
            "not what I ordered, got a different {item}",
            "wrong colour {item} delivered",
            "the {item} in the box is a different model than I ordered",
            "got someone else's order instead of my {item}",
        ],
        [TriageClass.Defect] = [
            "the {item} was dead on arrival",
            "{item} faulty out of the box",
            "the {item} does not switch on, brand new",
            "button on the {item} broken when unpacked",
            "{item} arrived with a manufacturing defect",
            "the {item} makes a grinding noise from day one",
        ],
        [TriageClass.FraudSignal] = [
            "refund to a different card please",
            "the box was empty when I opened it",
            "send the refund to my other account",
            "I will file a chargeback with my bank if you do not refund",
            "refund me but I keep the {item}",
            "pay the refund as a gift card to this other email",
        ],
    };

    public static IReadOnlyList<LabeledPhrase> Generate(int seed, int count)
    {
        var random = new Random(seed);
        var classes = Enum.GetValues<TriageClass>();
        var phrases = new List<LabeledPhrase>(count);
        for (var i = 0; i < count; i++)
        {
            var c = classes[random.Next(classes.Length)];
            var cores = Cores[c];
            var core = cores[random.Next(cores.Length)]
                .Replace("{item}", Items[random.Next(Items.Length)], StringComparison.Ordinal)
                .Replace("{n}", random.Next(2, 23).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var text = Openers[random.Next(Openers.Length)] + core + Closers[random.Next(Closers.Length)];
            var label = random.NextDouble() < LabelNoise ? classes[random.Next(classes.Length)] : c;
            phrases.Add(new LabeledPhrase(text, label));
        }

        return phrases;
    }
}
